import type { Cluster } from '../../domain/app.js';
import { checkEksCluster } from '../../domain/cluster-credentials.js';
import type { ClusterConnection } from '../../engine/cluster-connection.js';
import { ClusterConnectionError } from '../../ports/cluster-connector.js';
import { eksToken, type AwsCredentials } from './eks-token.js';

type EksCluster = Extract<Cluster, { type: 'eks' }>;

export interface EksConnectorOptions {
  /** Tokens live 15 minutes; renew this long before. */
  tokenLifetimeMs: number;
  /**
   * How long a DescribeCluster answer (endpoint and CA) is reused: they change only when the
   * cluster is replaced or its CA rotated, and a failed call drops the entry. @default 15 minutes
   */
  describeTtlMs: number;
  /** Assumed-role credentials are reused until this long before they expire. @default 5 minutes */
  credentialsRenewBeforeMs: number;
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
  describeTtlMs: 15 * 60_000,
  credentialsRenewBeforeMs: 5 * 60_000,
  clientConfig: (region) => ({ region }),
};

/** What identifies a cluster's AWS side: a changed registration is a new cache entry. */
const cacheKey = (c: EksCluster) => JSON.stringify([c.region, c.eksClusterName, c.roleArn ?? '']);

interface Described {
  endpoint: string;
  caData: string;
}

/**
 * Connects to EKS clusters: DescribeCluster for endpoint and CA, an STS-presigned token (optionally
 * as an assumed role). AssumeRole credentials, DescribeCluster answers and tokens are cached per
 * container until they expire, so a warm worker makes no STS or EKS call per wake-up.
 */
export class EksClusterConnector {
  private readonly tokens = new Map<string, { token: string; until: number }>();
  private readonly assumed = new Map<string, { credentials: AwsCredentials; until: number }>();
  private readonly described = new Map<string, { value: Described; until: number }>();
  private readonly opts: EksConnectorOptions;

  constructor(opts: Partial<EksConnectorOptions> = {}) {
    this.opts = { ...defaultEksConnectorOptions, ...opts };
  }

  async connect(cluster: EksCluster): Promise<ClusterConnection> {
    // The region becomes the EKS and STS endpoint hosts: a stored record is judged before any call.
    checkEksCluster(cluster);
    const credentials = await this.credentials(cluster);
    const described = await this.describe(cluster, credentials);
    const { server, caData } = this.opts.resolveEndpoint
      ? this.opts.resolveEndpoint(cluster, described)
      : { server: described.endpoint, caData: described.caData };
    return {
      name: cluster.name,
      server,
      tls: { ca: Buffer.from(caData, 'base64') },
      // A refused token (expired early: a thawed container, a skewed clock) is signed again, with
      // the assumed role asked again if it has one.
      authorization: async ({ fresh } = {}) => {
        if (fresh) {
          this.tokens.delete(cacheKey(cluster));
          this.assumed.delete(cacheKey(cluster));
        }
        return `Bearer ${await this.token(cluster, () => this.credentials(cluster))}`;
      },
    };
  }

  /** Forgets what is cached for a cluster (after the API server refused its token, say). */
  forget(cluster: EksCluster): void {
    const key = cacheKey(cluster);
    this.tokens.delete(key);
    this.assumed.delete(key);
    this.described.delete(key);
  }

  private async describe(cluster: EksCluster, credentials: AwsCredentials): Promise<Described> {
    const key = cacheKey(cluster);
    const cached = this.described.get(key);
    if (cached && cached.until > Date.now()) return cached.value;
    // Loaded on first use: most workers never talk to EKS, and the clients cost start-up time.
    const { DescribeClusterCommand, EKSClient } = await import('@aws-sdk/client-eks');
    const eks = new EKSClient({ ...this.opts.clientConfig(cluster.region), credentials });
    try {
      const d = (await eks.send(new DescribeClusterCommand({ name: cluster.eksClusterName }))).cluster;
      if (!d?.endpoint || !d.certificateAuthority?.data) {
        throw new ClusterConnectionError(
          'cluster:not-ready',
          `cluster ${cluster.name}: EKS cluster ${cluster.eksClusterName} in ${cluster.region} has no endpoint or CA yet`,
        );
      }
      const value = { endpoint: d.endpoint, caData: d.certificateAuthority.data };
      this.described.set(key, { value, until: Date.now() + this.opts.describeTtlMs });
      return value;
    } finally {
      eks.destroy();
    }
  }

  /** The cached token, or one signed now (with the credentials asked for only then). */
  private async token(cluster: EksCluster, signer: () => Promise<AwsCredentials>): Promise<string> {
    const key = cacheKey(cluster);
    const cached = this.tokens.get(key);
    if (cached && cached.until > Date.now()) return cached.token;
    const credentials = await signer();
    const token = await eksToken(cluster.eksClusterName, cluster.region, credentials);
    // Never past the credentials the token was signed with.
    const until = Math.min(
      Date.now() + this.opts.tokenLifetimeMs,
      credentials.expiration?.getTime() ?? Number.POSITIVE_INFINITY,
    );
    this.tokens.set(key, { token, until });
    return token;
  }

  private async credentials(cluster: EksCluster): Promise<AwsCredentials> {
    if (cluster.roleArn) {
      const cached = this.assumed.get(cacheKey(cluster));
      if (cached && cached.until > Date.now()) return cached.credentials;
    }
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
      const credentials = {
        accessKeyId: c.AccessKeyId!,
        secretAccessKey: c.SecretAccessKey!,
        sessionToken: c.SessionToken,
        expiration: c.Expiration,
      };
      // AssumeRole's default session lasts an hour; without an expiry, reuse for one token's life.
      const expires = c.Expiration?.getTime() ?? Date.now() + this.opts.tokenLifetimeMs;
      this.assumed.set(cacheKey(cluster), {
        credentials,
        until: expires - this.opts.credentialsRenewBeforeMs,
      });
      return credentials;
    } finally {
      sts.destroy();
    }
  }
}
