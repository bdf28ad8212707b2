// Registering a cluster: the one path by which clusters enter the store (the API's POST
// /api/v1/clusters and `gitferry serve --kubeconfig`). Everything in a registration is hostile
// until checked, and nothing is written until all of it passed.
import type { Cluster } from '../domain/app.js';
import {
  ClusterConfigError,
  checkClusterName,
  checkEksCluster,
  clusterTokenSecretName,
} from '../domain/cluster-credentials.js';
import { vetClusterServer, type ClusterServerPolicy } from '../engine/cluster-server.js';

export type { ClusterServerPolicy };
import type { StateStore } from '../ports/state-store.js';

/** A registration as a caller sent it: every field unchecked. */
export interface ClusterRegistration {
  name?: unknown;
  server?: unknown;
  caData?: unknown;
  /** The bearer token itself; written to the cluster's own secret. */
  token?: unknown;
  /** Only the cluster's own secret (`<prefix><name>/token`) may be named, e.g. one stored beforehand. */
  tokenSecret?: unknown;
  eksClusterName?: unknown;
  region?: unknown;
  roleArn?: unknown;
  /** Taken only from the admin's own kubeconfig (serve), never from the API. */
  insecureSkipVerify?: boolean;
}

export interface ClusterRegistrationDeps {
  store: Pick<StateStore, 'putCluster' | 'getCluster'>;
  /** Where a given token is written (local mode); undefined where secrets are stored out of band (AWS). */
  writeSecret?: (name: string, value: string) => Promise<void>;
  /** Prefix of cluster token secrets (default `clusters/`; AWS: `gitferry/clusters/`). */
  secretPrefix?: string;
  server: ClusterServerPolicy;
}

const maxCaBytes = 64 * 1024;
const maxTokenBytes = 16 * 1024;

function checkCaData(name: string, caData: unknown): string | undefined {
  if (caData === undefined || caData === null || caData === '') return undefined;
  if (typeof caData !== 'string' || caData.length > maxCaBytes || !/^[A-Za-z0-9+/\r\n]+=*\s*$/.test(caData))
    throw new ClusterConfigError(
      'cluster:bad-field',
      `Cluster/${name}: caData refused: it must be base64 (a PEM bundle) of at most ${maxCaBytes} characters`,
      'caData',
    );
  return caData;
}

function checkToken(name: string, token: unknown): string {
  // A newline would split the Authorization header; Node would throw later, mid-sync.
  if (
    typeof token !== 'string' ||
    token.trim() === '' ||
    token.length > maxTokenBytes ||
    /[\0-\x1f\x7f]/.test(token.trim())
  )
    throw new ClusterConfigError(
      'cluster:bad-field',
      `Cluster/${name}: token refused: it must be a non-empty string of printable characters (at most ${maxTokenBytes})`,
      'token',
    );
  return token.trim();
}

/**
 * Checks a registration and stores the cluster; throws ClusterConfigError naming the field
 * (`name`, `server`, `tokenSecret`, `token`, `caData`, `region`, `eksClusterName`, `roleArn`).
 * A kubeconfig cluster's token goes to, and comes only from, its own secret; its server passes
 * the URL guard. Returns the stored record.
 */
export async function registerCluster(
  input: ClusterRegistration,
  deps: ClusterRegistrationDeps,
): Promise<Cluster> {
  checkClusterName(input.name);
  const name = input.name;
  let cluster: Cluster;
  if (input.eksClusterName !== undefined) {
    if (input.region === undefined)
      throw new ClusterConfigError(
        'cluster:bad-field',
        `Cluster/${name}: region is required for an EKS cluster`,
        'region',
      );
    cluster = {
      name,
      type: 'eks',
      eksClusterName: input.eksClusterName as string,
      region: input.region as string,
      ...(input.roleArn === undefined ? {} : { roleArn: input.roleArn as string }),
    };
    checkEksCluster(cluster);
    await deps.store.putCluster(cluster);
    return cluster;
  }

  await vetClusterServer(name, input.server, deps.server);
  const caData = checkCaData(name, input.caData);
  const own = clusterTokenSecretName(name, deps.secretPrefix);
  if (input.tokenSecret !== undefined && input.tokenSecret !== own)
    throw new ClusterConfigError(
      'cluster:foreign-secret',
      `Cluster/${name}: tokenSecret ${JSON.stringify(input.tokenSecret)} refused: a cluster may only use its own secret ${own}`,
      'tokenSecret',
    );
  if (input.token !== undefined) {
    const token = checkToken(name, input.token);
    if (!deps.writeSecret)
      throw new ClusterConfigError(
        'cluster:bad-field',
        `Cluster/${name}: token refused: this deployment does not store tokens; store it as the secret ${own} and pass tokenSecret`,
        'token',
      );
    await deps.writeSecret(own, token);
  } else if (deps.writeSecret) {
    // Where registrations write tokens, a registration without one could only reuse a secret it
    // did not write: one left by a deleted cluster, or an environment variable meant for another
    // cluster (`prod-eu` and `prod.eu` share GITFERRY_SECRET_CLUSTERS_PROD_EU_TOKEN).
    throw new ClusterConfigError(
      'cluster:bad-field',
      `Cluster/${name}: token is required (the registration writes it to ${own})`,
      'token',
    );
  } else {
    if (input.tokenSecret === undefined)
      throw new ClusterConfigError(
        'cluster:bad-field',
        `Cluster/${name}: tokenSecret is required: store the token as the secret ${own} and pass that name`,
        'tokenSecret',
      );
    // The stored token was provisioned for the registered server: re-pointing the cluster
    // elsewhere would send that token there.
    const existing = await deps.store.getCluster(name);
    if (existing && (existing.type !== 'kubeconfig' || existing.server !== input.server))
      throw new ClusterConfigError(
        'cluster:server-changed',
        `Cluster/${name}: server refused: the cluster is registered with another server, and its token ${own} stays with it`,
        'server',
      );
  }
  cluster = {
    name,
    type: 'kubeconfig',
    server: input.server as string,
    ...(caData === undefined ? {} : { caData }),
    tokenSecret: own,
    ...(input.insecureSkipVerify ? { insecureSkipVerify: true } : {}),
  };
  await deps.store.putCluster(cluster);
  return cluster;
}
