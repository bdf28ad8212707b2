// What a registered cluster may name. A cluster's bearer token is sent to the cluster's server on
// every request, so whoever registers a cluster chooses where the token goes: if the registration
// could name any secret, it could send the webhook secret, repo credentials or another cluster's
// token to a server of its choice. So a cluster's token lives under one name derived from the
// cluster's own name (`clusters/<name>/token` under a fixed prefix), the only one it may use.
import type { Cluster } from './app.js';
import { GitferryError } from './errors.js';

/** A cluster registration or record is refused; `field` names the offending input field. */
export class ClusterConfigError extends GitferryError {
  override name = 'ClusterConfigError';
  constructor(
    code: string,
    message: string,
    readonly field: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** Where cluster tokens live in the secret store unless a runtime says otherwise (AWS: `gitferry/clusters/`). */
export const defaultClusterSecretPrefix = 'clusters/';

/**
 * Cluster names are DNS names (RFC 1123 subdomains, as Kubernetes object names): no `/`, so a
 * name is exactly one segment of its secret's name and cannot reach another cluster's or any
 * other secret.
 */
const clusterNamePattern = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export function checkClusterName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length > 253 || !clusterNamePattern.test(name) || name.includes('..'))
    throw new ClusterConfigError(
      'cluster:bad-name',
      `Cluster name ${JSON.stringify(name)} refused: name must be a DNS name (lower-case letters, digits, - and .)`,
      'name',
    );
}

/** The one secret a cluster's token may come from: `<prefix><name>/token`. */
export function clusterTokenSecretName(clusterName: string, prefix = defaultClusterSecretPrefix): string {
  checkClusterName(clusterName);
  return `${prefix}${clusterName}/token`;
}

/** Refuses a kubeconfig cluster whose tokenSecret is not its own (another cluster's, a webhook's, a repo's). */
export function checkClusterTokenSecret(
  cluster: Extract<Cluster, { type: 'kubeconfig' }>,
  prefix = defaultClusterSecretPrefix,
): void {
  const own = clusterTokenSecretName(cluster.name, prefix);
  if (cluster.tokenSecret !== own)
    throw new ClusterConfigError(
      'cluster:foreign-secret',
      `Cluster/${cluster.name}: tokenSecret ${JSON.stringify(cluster.tokenSecret)} refused: a cluster may only use its own secret ${own}`,
      'tokenSecret',
    );
}

// AWS's own formats: the region becomes part of the EKS and STS endpoint host names, so anything
// else could point the SDK (and its signed requests) at another host.
const regionPattern = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const eksNamePattern = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;
const roleArnPattern = /^arn:aws(-[a-z]+)*:iam::\d{12}:role\/[A-Za-z0-9+=,.@_/-]{1,512}$/;

/** Refuses an EKS cluster whose region, EKS cluster name or role ARN is not in AWS's format. */
export function checkEksCluster(cluster: Extract<Cluster, { type: 'eks' }>): void {
  const refuse = (field: string, what: string) =>
    new ClusterConfigError(
      'cluster:bad-field',
      `Cluster/${cluster.name}: ${field} ${JSON.stringify((cluster as Record<string, unknown>)[field])} refused: ${what}`,
      field,
    );
  if (typeof cluster.region !== 'string' || !regionPattern.test(cluster.region))
    throw refuse('region', 'not an AWS region (like eu-west-1)');
  if (typeof cluster.eksClusterName !== 'string' || !eksNamePattern.test(cluster.eksClusterName))
    throw refuse('eksClusterName', 'not an EKS cluster name');
  if (
    cluster.roleArn !== undefined &&
    (typeof cluster.roleArn !== 'string' || !roleArnPattern.test(cluster.roleArn))
  )
    throw refuse('roleArn', 'not an IAM role ARN');
}
