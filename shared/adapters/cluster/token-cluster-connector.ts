import type { Cluster } from '../../domain/app.js';
import { registerSecret } from '../../domain/redact.js';
import type { ClusterConnection } from '../../engine/cluster-connection.js';
import type { SecretStore } from '../../ports/secret-store.js';

type KubeconfigCluster = Extract<Cluster, { type: 'kubeconfig' }>;

/**
 * A cluster reached with a server URL, its CA and a bearer token kept in the secret store. No
 * exec plugins, auth providers or token files: nothing runs or is read on the deployer's host.
 */
export class TokenClusterConnector {
  constructor(private readonly secrets: SecretStore) {}

  async connect(cluster: KubeconfigCluster): Promise<ClusterConnection> {
    if (!/^https:\/\//.test(cluster.server))
      throw new Error(`cluster ${cluster.name}: server must be an https:// URL`);
    const secretName = cluster.tokenSecret;
    return {
      name: cluster.name,
      server: cluster.server.replace(/\/+$/, ''),
      tls: {
        ca: cluster.caData ? Buffer.from(cluster.caData, 'base64') : undefined,
        insecureSkipVerify: cluster.insecureSkipVerify,
      },
      authorization: async () => {
        const token = await this.secrets.get(secretName);
        if (!token) throw new Error(`cluster ${cluster.name}: secret ${secretName} holds no token`);
        // Known to redaction from now on: an API server or proxy may echo it back in an error.
        registerSecret(token);
        return `Bearer ${token.trim()}`;
      },
    };
  }
}
