import type { Cluster } from '../../domain/app.js';
import type { ClusterConnection } from '../../engine/cluster-connection.js';
import { ClusterConnectionError, type ClusterConnector } from '../../ports/cluster-connector.js';

type ByType = {
  [T in Cluster['type']]?: { connect(cluster: Extract<Cluster, { type: T }>): Promise<ClusterConnection> };
};

/** Sends each cluster to the connector for its type (EKS, kubeconfig-style token). */
export class ClusterConnectorRouter implements ClusterConnector {
  constructor(private readonly byType: ByType) {}

  connect(cluster: Cluster): Promise<ClusterConnection> {
    const connector = this.byType[cluster.type] as
      { connect(c: Cluster): Promise<ClusterConnection> } | undefined;
    if (!connector)
      throw new ClusterConnectionError(
        'cluster:no-connector',
        `cluster ${cluster.name}: no connector for clusters of type ${cluster.type}`,
      );
    return connector.connect(cluster);
  }
}
