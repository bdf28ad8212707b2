import { readFileSync } from 'node:fs';
import type { ClusterConnection } from '../ports/cluster-connection.js';
import { KubeConfigError } from './errors.js';
import { contextOf, type Kubeconfig } from './kubeconfig.js';

export type { ClusterConnection };

/**
 * A connection from a kubeconfig's context (its current one by default). Exec, auth-provider and
 * token files are refused: they run or read things on the deployer's host (Flux CVE-2022-24817).
 * Refusals are KubeConfigErrors.
 */
export async function connectionFromKubeconfig(
  kc: Kubeconfig,
  name = kc.currentContext ?? 'default',
  context = kc.currentContext,
): Promise<ClusterConnection> {
  const { cluster, user } = contextOf(kc, context);
  if (!cluster) {
    throw new KubeConfigError(
      'kubeconfig:no-current-cluster',
      `cluster ${name}: the kubeconfig has no current cluster`,
    );
  }
  if (user?.refused) {
    throw new KubeConfigError(
      'kubeconfig:user-refused',
      user.refused === 'tokenFile'
        ? `cluster ${name}: kubeconfig users with a tokenFile are refused; put the token in the kubeconfig`
        : `cluster ${name}: kubeconfig users with exec or auth-provider are refused; use a token or client certificate`,
    );
  }
  const pem = (data: string | undefined, file: string | undefined) =>
    data !== undefined ? Buffer.from(data, 'base64') : file !== undefined ? readFileSync(file) : undefined;
  const authorization = user?.token
    ? `Bearer ${user.token}`
    : user?.username
      ? `Basic ${Buffer.from(`${user.username}:${user.password ?? ''}`).toString('base64')}`
      : undefined;
  return {
    name,
    server: cluster.server.replace(/\/+$/, ''),
    tls: {
      ca: pem(cluster.caData, cluster.caFile),
      cert: pem(user?.certData, user?.certFile),
      key: pem(user?.keyData, user?.keyFile),
      insecureSkipVerify: cluster.insecureSkipVerify,
      serverName: cluster.tlsServerName,
    },
    authorization: async () => authorization,
  };
}
