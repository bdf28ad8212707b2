import { buildAwsStateAdapters } from './aws-state-adapters.js';
import { EksClusterConnector, type EksConnectorOptions } from './eks-cluster-connector.js';
import { ClusterConnectorRouter } from '../cluster/cluster-connector-router.js';
import { TokenClusterConnector } from '../cluster/token-cluster-connector.js';
import { GitCheckoutCache } from '../../source/git.js';
import { SourceRenderer } from '../../source/render.js';
import { repoCredentialsResolver } from '../../control/repo-credentials.js';
import type { AwsRuntimeConfig } from './aws-config.js';

export { awsConfigFromEnv, type AwsRuntimeConfig } from './aws-config.js';

/** The adapters of the AWS deployment, built once per Lambda container and reused while warm. */
export function buildAwsRuntime(config: AwsRuntimeConfig, opts: { eks?: Partial<EksConnectorOptions> } = {}) {
  const { store, queue, secrets } = buildAwsStateAdapters(config);
  const guard = { allowedHosts: config.allowedHosts };
  const clusters = { secretPrefix: config.clusterSecretPrefix, server: { guard } };
  const connector = new ClusterConnectorRouter({
    eks: new EksClusterConnector({ clientConfig: (region) => ({ region }), ...opts.eks }),
    kubeconfig: new TokenClusterConnector(secrets, clusters),
  });
  const checkouts = new GitCheckoutCache(`${config.workDir}/checkouts`, { http: { guard } });
  const renderer = new SourceRenderer(checkouts, {
    workRoot: `${config.workDir}/renders`,
    tools: { helm: config.helmBin, kustomize: config.kustomizeBin },
    guard,
  });
  const credentials = repoCredentialsResolver(config.repoCredentials, secrets);
  return { config, store, queue, secrets, connector, renderer, credentials, guard, clusters };
}

export type AwsRuntime = ReturnType<typeof buildAwsRuntime>;
