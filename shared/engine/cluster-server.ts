// A kubeconfig-style cluster's server is a URL someone typed into a registration, and the
// deployer sends that cluster's bearer token to it: it passes the same URL guard as repository
// URLs (DESIGN.md safety rule 6), at registration and again at connect time, and the connection
// goes to the addresses the guard vetted (no second DNS answer). EKS endpoints come from AWS's
// DescribeCluster, not from the registration, and are not judged here: private EKS endpoints
// live in the VPC's private ranges.
import type { LookupFunction } from 'node:net';
import { ClusterConfigError } from '../domain/cluster-credentials.js';
import { pinnedLookup } from '../source/guarded-http.js';
import { redactUrl, vetUrl, type UrlGuardOptions } from '../source/url-guard.js';

export interface ClusterServerPolicy {
  /** The URL guard (the admin's allowedHosts / allowPrivate apply). */
  guard: UrlGuardOptions;
  /**
   * Server origins (`https://127.0.0.1:6443`) the admin named themselves, e.g. in the kubeconfig
   * given to `gitferry serve`: let through as they are (default none).
   */
  trustedServers?: string[];
}

/**
 * Refuses (ClusterConfigError naming the field `server`) a server that is not https:// or that the
 * guard refuses; returns a `lookup` that connects only to the vetted addresses.
 */
export async function vetClusterServer(
  clusterName: string,
  server: unknown,
  policy: ClusterServerPolicy,
): Promise<{ lookup: LookupFunction }> {
  const what = `Cluster/${clusterName}: server`;
  if (typeof server !== 'string' || !/^https:\/\//.test(server))
    throw new ClusterConfigError(
      'cluster:bad-server',
      `${what} ${typeof server === 'string' ? redactUrl(server) : JSON.stringify(server)} refused: it must be an https:// URL`,
      'server',
    );
  let parsed: URL;
  try {
    parsed = new URL(server);
  } catch {
    throw new ClusterConfigError(
      'cluster:bad-server',
      `${what} ${redactUrl(server)} refused: not a valid URL`,
      'server',
    );
  }
  if (parsed.username !== '' || parsed.password !== '')
    throw new ClusterConfigError(
      'cluster:bad-server',
      `${what} ${redactUrl(server)} refused: credentials belong in the token, not in the URL`,
      'server',
    );
  const trusted = (policy.trustedServers ?? []).some((t) => {
    try {
      return new URL(t).origin === parsed.origin;
    } catch {
      return false;
    }
  });
  const guard = trusted ? { ...policy.guard, allowedHosts: [parsed.hostname] } : policy.guard;
  try {
    const vetted = await vetUrl(server, { ...guard, what });
    return { lookup: pinnedLookup(vetted, guard) };
  } catch (err) {
    throw new ClusterConfigError('cluster:server-refused', (err as Error).message, 'server', { cause: err });
  }
}
