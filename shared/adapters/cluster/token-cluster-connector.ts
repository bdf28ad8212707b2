import type { Cluster } from '../../domain/app.js';
import { checkClusterTokenSecret, defaultClusterSecretPrefix } from '../../domain/cluster-credentials.js';
import { registerSecret } from '../../domain/redact.js';
import type { ClusterConnection } from '../../engine/cluster-connection.js';
import { vetClusterServer, type ClusterServerPolicy } from '../../engine/cluster-server.js';
import { ClusterConnectionError } from '../../ports/cluster-connector.js';
import type { SecretStore } from '../../ports/secret-store.js';

type KubeconfigCluster = Extract<Cluster, { type: 'kubeconfig' }>;

export interface TokenClusterConnectorOptions {
  /** Cluster tokens live at `<secretPrefix><cluster>/token`; no other secret is read (default `clusters/`). */
  secretPrefix: string;
  /** The URL guard every server passes at connect time (default: the guard's defaults, nothing internal). */
  server: ClusterServerPolicy;
}

export const defaultTokenClusterConnectorOptions: TokenClusterConnectorOptions = {
  secretPrefix: defaultClusterSecretPrefix,
  server: { guard: {} },
};

/**
 * A cluster reached with a server URL, its CA and a bearer token kept in the secret store. No
 * exec plugins, auth providers or token files: nothing runs or is read on the deployer's host.
 * The record is judged again at connect time, whatever wrote it: the token comes only from the
 * cluster's own secret, and the server passes the URL guard and is connected to at the vetted
 * addresses (a stored record naming the webhook secret and 169.254.169.254 gets nothing).
 */
export class TokenClusterConnector {
  private readonly opts: TokenClusterConnectorOptions;

  constructor(
    private readonly secrets: SecretStore,
    opts: Partial<TokenClusterConnectorOptions> = {},
  ) {
    this.opts = { ...defaultTokenClusterConnectorOptions, ...opts };
  }

  async connect(cluster: KubeconfigCluster): Promise<ClusterConnection> {
    checkClusterTokenSecret(cluster, this.opts.secretPrefix);
    const { lookup } = await vetClusterServer(cluster.name, cluster.server, this.opts.server);
    const secretName = cluster.tokenSecret;
    return {
      name: cluster.name,
      server: cluster.server.replace(/\/+$/, ''),
      tls: {
        ca: cluster.caData ? Buffer.from(cluster.caData, 'base64') : undefined,
        insecureSkipVerify: cluster.insecureSkipVerify,
      },
      lookup,
      // Read at every request (the store may cache briefly); a refused token is read afresh.
      authorization: async ({ fresh } = {}) => {
        const token = await this.secrets.get(secretName, { fresh });
        if (!token) {
          throw new ClusterConnectionError(
            'cluster:no-token',
            `cluster ${cluster.name}: secret ${secretName} holds no token`,
          );
        }
        // Known to redaction from now on: an API server or proxy may echo it back in an error.
        registerSecret(token);
        return `Bearer ${token.trim()}`;
      },
    };
  }
}
