import type { Cluster } from '../domain/app.js';
import type { ClusterConnection } from './cluster-connection.js';

/** Turns a registered cluster into a connection the engine can use (EKS token, kubeconfig token…). */
export interface ClusterConnector {
  connect(cluster: Cluster): Promise<ClusterConnection>;
}
