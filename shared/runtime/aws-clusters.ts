// The store, queue and secrets plus the cluster connectors of the AWS deployment, without git,
// renderers or helm: the worker's runtime (aws.ts) builds on it. The API function reaches no
// cluster and uses aws-state.ts only (its cascade deletes are queued for the worker).
import { EksClusterConnector, type EksConnectorOptions } from '../adapters/aws/eks-cluster-connector.js';
import { ClusterConnectorRouter } from '../adapters/cluster/cluster-connector-router.js';
import { TokenClusterConnector } from '../adapters/cluster/token-cluster-connector.js';
import type { AwsRuntimeConfig } from './aws-config.js';
import { buildAwsStateAdapters } from './aws-state.js';

export function buildAwsClusterRuntime(
  config: AwsRuntimeConfig,
  opts: { eks?: Partial<EksConnectorOptions> } = {},
) {
  const { store, queue, secrets } = buildAwsStateAdapters(config);
  const guard = { allowedHosts: config.allowedHosts };
  const clusters = { secretPrefix: config.clusterSecretPrefix, server: { guard } };
  const connector = new ClusterConnectorRouter({
    eks: new EksClusterConnector({ clientConfig: (region) => ({ region }), ...opts.eks }),
    kubeconfig: new TokenClusterConnector(secrets, clusters),
  });
  return { config, store, queue, secrets, connector, guard, clusters };
}

export type AwsClusterRuntime = ReturnType<typeof buildAwsClusterRuntime>;
