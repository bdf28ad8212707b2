import type { KubeConfig } from '@kubernetes/client-node';
import type { ClusterConnection } from '../ports/cluster-connection.js';
import { KubeConfigError } from './errors.js';

export type { ClusterConnection };

/**
 * A connection from a client-node KubeConfig (its current context). Exec, auth-provider and token
 * files are refused: they run or read things on the deployer's host (Flux CVE-2022-24817). Refusals
 * are KubeConfigErrors.
 */
export async function connectionFromKubeConfig(
  kc: KubeConfig,
  name = kc.getCurrentContext(),
): Promise<ClusterConnection> {
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  if (!cluster) {
    throw new KubeConfigError(
      'kubeconfig:no-current-cluster',
      `cluster ${name}: the kubeconfig has no current cluster`,
    );
  }
  if (user?.exec || user?.authProvider) {
    throw new KubeConfigError(
      'kubeconfig:user-refused',
      `cluster ${name}: kubeconfig users with exec or auth-provider are refused; use a token or client certificate`,
    );
  }
  const opts: { ca?: Buffer; cert?: Buffer; key?: Buffer; headers?: Record<string, string> } = {};
  await kc.applyToHTTPSOptions(opts as never);
  const token = opts.headers?.Authorization ?? opts.headers?.authorization;
  const basic = user?.username
    ? `Basic ${Buffer.from(`${user.username}:${user.password ?? ''}`).toString('base64')}`
    : undefined;
  return {
    name,
    server: cluster.server.replace(/\/+$/, ''),
    tls: {
      ca: opts.ca,
      cert: opts.cert,
      key: opts.key,
      insecureSkipVerify: cluster.skipTLSVerify,
      serverName: cluster.tlsServerName,
    },
    authorization: async () => token ?? basic,
  };
}
