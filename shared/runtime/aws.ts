import { buildAwsStateAdapters } from './aws-state.js';
import { EksClusterConnector, type EksConnectorOptions } from '../adapters/aws/eks-cluster-connector.js';
import { ClusterConnectorRouter } from '../adapters/cluster/cluster-connector-router.js';
import { TokenClusterConnector } from '../adapters/cluster/token-cluster-connector.js';
import { GitCheckoutCache } from '../source/git.js';
import { SourceRenderer } from '../source/render.js';
import { repoCredentialsResolver } from '../control/repo-credentials.js';
import type { AwsRuntimeConfig } from './aws-config.js';
import { systemClock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import { WakeUpHandler } from '../control/wake-up.js';

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

/** The use cases of one worker or API container on the AWS runtime; holder names it in leases. */
export function wakeUpHandlerOf(rt: AwsRuntime, log: Logger, holder: string): WakeUpHandler {
  return new WakeUpHandler({
    store: rt.store,
    queue: rt.queue,
    connector: rt.connector,
    renderer: rt.renderer,
    credentials: rt.credentials,
    clock: systemClock,
    log,
    holder,
    options: { guard: rt.guard },
  });
}

export { parseJob } from '../adapters/aws/sqs-job-queue.js';
