import type { Cluster } from '../../domain/app.js';
import { checkEksCluster } from '../../domain/cluster-credentials.js';
import type { ClusterConnection } from '../../engine/cluster-connection.js';
import { ClusterConnectionError } from '../../ports/cluster-connector.js';
import { eksToken, type AwsCredentials } from './eks-token.js';

type EksCluster = Extract<Cluster, { type: 'eks' }>;

export interface EksConnectorOptions {
  /** Tokens live 15 minutes; renew this long before. */
  tokenLifetimeMs: number;
  /** Builds SDK clients (endpoint overrides for tests). */
  clientConfig: (region: string) => Record<string, unknown>;
  /**
   * Where the API server is, given DescribeCluster's answer. The default uses its endpoint and CA;
   * tests point it at the test bed (moto's DescribeCluster returns a random endpoint, non-PEM CA).
   */
  resolveEndpoint?: (
    cluster: EksCluster,
    described: { endpoint: string; caData: string },
  ) => { server: string; caData: string };
}

export const defaultEksConnectorOptions: EksConnectorOptions = {
  tokenLifetimeMs: 14 * 60_000,
  clientConfig: (region) => ({ region }),
};

/** Connects to EKS clusters: DescribeCluster for endpoint and CA, an STS-presigned token (optionally as an assumed role). */
export class EksClusterConnector {
  private readonly tokens = new Map<string, { token: string; until: number }>();
  private readonly opts: EksConnectorOptions;

  constructor(opts: Partial<EksConnectorOptions> = {}) {
    this.opts = { ...defaultEksConnectorOptions, ...opts };
  }

  async connect(cluster: EksCluster): Promise<ClusterConnection> {
    // The region becomes the EKS and STS endpoint hosts: a stored record is judged before any call.
    checkEksCluster(cluster);
    const credentials = await this.credentials(cluster);
    // Loaded on first use: most workers never talk to EKS, and the clients cost start-up time.
    const { DescribeClusterCommand, EKSClient } = await import('@aws-sdk/client-eks');
    const eks = new EKSClient({ ...this.opts.clientConfig(cluster.region), credentials });
    const described = (await eks.send(new DescribeClusterCommand({ name: cluster.eksClusterName }))).cluster;
    eks.destroy();
    if (!described?.endpoint || !described.certificateAuthority?.data) {
      throw new ClusterConnectionError(
        'cluster:not-ready',
        `cluster ${cluster.name}: EKS cluster ${cluster.eksClusterName} in ${cluster.region} has no endpoint or CA yet`,
      );
    }
    const { server, caData } = this.opts.resolveEndpoint
      ? this.opts.resolveEndpoint(cluster, {
          endpoint: described.endpoint,
          caData: described.certificateAuthority.data,
        })
      : { server: described.endpoint, caData: described.certificateAuthority.data };
    return {
      name: cluster.name,
      server,
      tls: { ca: Buffer.from(caData, 'base64') },
      authorization: async () => `Bearer ${await this.token(cluster, credentials)}`,
    };
  }

  private async token(cluster: EksCluster, credentials: AwsCredentials): Promise<string> {
    const cached = this.tokens.get(cluster.name);
    if (cached && cached.until > Date.now()) return cached.token;
    const token = await eksToken(cluster.eksClusterName, cluster.region, credentials);
    this.tokens.set(cluster.name, { token, until: Date.now() + this.opts.tokenLifetimeMs });
    return token;
  }

  private async credentials(cluster: EksCluster): Promise<AwsCredentials> {
    const { AssumeRoleCommand, STSClient } = await import('@aws-sdk/client-sts');
    const sts = new STSClient(this.opts.clientConfig(cluster.region));
    try {
      if (!cluster.roleArn) return (await sts.config.credentials()) as AwsCredentials;
      const res = await sts.send(
        new AssumeRoleCommand({
          RoleArn: cluster.roleArn,
          RoleSessionName: `gitferry-${cluster.name}`.slice(0, 64),
        }),
      );
      const c = res.Credentials!;
      return {
        accessKeyId: c.AccessKeyId!,
        secretAccessKey: c.SecretAccessKey!,
        sessionToken: c.SessionToken,
        expiration: c.Expiration,
      };
    } finally {
      sts.destroy();
    }
  }
}
