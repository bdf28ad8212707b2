import { existsSync } from 'node:fs';
import type { EksConnectorOptions } from '../adapters/aws/eks-cluster-connector.js';
import { buildAwsClusterRuntime } from './aws-clusters.js';
import { GitCheckoutCache } from '../source/git.js';
import { SourceRenderer } from '../source/render.js';
import { repoCredentialsResolver } from '../control/repo-credentials.js';
import type { AwsRuntimeConfig } from './aws-config.js';
import { systemClock } from '../ports/clock.js';
import { silentLogger, type Logger } from '../ports/logger.js';
import { WakeUpHandler } from '../control/wake-up.js';
import { buildHealthChecks } from './health-checks.js';
import { buildWorkerNotifier } from './aws-notifier.js';
import { buildPreviewer } from './preview.js';
import { controlOf } from '../control/deps.js';
import { ClusterSessions } from '../control/cluster-sessions.js';
import { ClusterConnectionReport } from '../control/cluster-connection-report.js';
import { runPreviewJob, type PreviewJobOutcome } from '../preview/run-preview.js';
import type { SyncJob } from '../domain/sync-job.js';

export { awsConfigFromEnv, type AwsRuntimeConfig } from './aws-config.js';

/** The adapters of the AWS deployment, built once per Lambda container and reused while warm. */
export function buildAwsRuntime(
  config: AwsRuntimeConfig,
  opts: { eks?: Partial<EksConnectorOptions>; log?: Logger } = {},
) {
  const base = buildAwsClusterRuntime(config, opts);
  const { guard, secrets } = base;
  const limits = config.sourceLimits;
  const checkouts = new GitCheckoutCache(`${config.workDir}/checkouts`, { http: { guard }, limits });
  const renderer = new SourceRenderer(checkouts, {
    workRoot: `${config.workDir}/renders`,
    limits,
    tools: {
      helm: config.helmBin,
      kustomize: config.kustomizeBin,
      // A layer built before jsonnet was in it: Jsonnet apps are refused, saying the tool is missing.
      ...(config.jsonnetBin && existsSync(config.jsonnetBin) ? { jsonnet: config.jsonnetBin } : {}),
    },
    guard,
  });
  const credentials = repoCredentialsResolver(config.repoCredentials, secrets);
  const health = buildHealthChecks(config.healthChecks);
  const notifier = buildWorkerNotifier(config, secrets, guard);
  const previewer = buildPreviewer(config.notifications, secrets, guard);
  // One per container, kept across invocations: keep-alive sockets for a burst of wake-ups, and a
  // cluster seen gone is not waited for again by every invocation (cluster-breaker.ts).
  // What they see of each cluster is recorded for the cluster list.
  const clusters = new ClusterSessions({
    report: new ClusterConnectionReport(base.store, opts.log ?? silentLogger),
  });
  return {
    ...base,
    renderer,
    credentials,
    health,
    notifier,
    previewer,
    clusters,
    argoNamespace: config.argoNamespace,
  };
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
    notifier: rt.notifier,
    clusters: rt.clusters,
    options: {
      guard: rt.guard,
      syncTimeoutMs: rt.config.syncTimeoutSeconds * 1000,
      ...(rt.config.leaseTtlSeconds ? { leaseTtlMs: rt.config.leaseTtlSeconds * 1000 } : {}),
      engine: { health: rt.health },
      argoNamespace: rt.argoNamespace,
    },
  });
}

/** Runs a pull-request preview job in the worker (the PR's head rendered and dry-run, posted on the PR). */
export function previewJobRunner(
  rt: AwsRuntime,
  log: Logger,
): (job: SyncJob) => Promise<PreviewJobOutcome | 'previews not configured'> {
  const previewer = rt.previewer;
  if (!previewer) return async () => 'previews not configured';
  const deps = previewer(
    controlOf({
      store: rt.store,
      queue: rt.queue,
      connector: rt.connector,
      renderer: rt.renderer,
      credentials: rt.credentials,
      clock: systemClock,
      log,
      holder: 'preview',
      clusters: rt.clusters,
      options: { guard: rt.guard, engine: { health: rt.health } },
    }),
  );
  return (job) => runPreviewJob(deps, job);
}

export { parseJob } from '../adapters/aws/sqs-job-queue.js';
