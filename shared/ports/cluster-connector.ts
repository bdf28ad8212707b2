import type { Cluster } from '../domain/app.js';
import { GitferryError } from '../domain/errors.js';
import type { ClusterConnection } from './cluster-connection.js';

/** A registered cluster cannot be connected to (no connector for its type, no token, not ready); `code` says which. */
export class ClusterConnectionError extends GitferryError {
  override name = 'ClusterConnectionError';
}

/** Turns a registered cluster into a connection the engine can use (EKS token, kubeconfig token…). */
export interface ClusterConnector {
  connect(cluster: Cluster): Promise<ClusterConnection>;
}
