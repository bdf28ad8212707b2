import { awsConfigFromEnv } from '../../shared/runtime/aws-config.js';
import { buildAwsClusterRuntime, type AwsClusterRuntime } from '../../shared/runtime/aws-clusters.js';
import { repoCredentialsResolver } from '../../shared/control/repo-credentials.js';
import { runDriftTick, tickSummary, type DriftTick } from '../../shared/control/drift-check.js';
import { systemClock } from '../../shared/ports/clock.js';
import { functionLogger } from '../logger.js';
import { awsEnvNames } from '../../shared/runtime/aws-env.js';

const log = functionLogger('gitferry-drift');
let runtime: (AwsClusterRuntime & { credentials: ReturnType<typeof repoCredentialsResolver> }) | undefined;

/**
 * On the schedule: the drift check of every app, one pass per cluster, done here (a small
 * function: no git clone, no render, one LIST per kind and namespace per cluster); only apps whose
 * head, spec, live objects or health moved get a wake-up for the worker. Also the fallback for
 * lost webhooks (branch heads are read on every pass).
 */
export async function handler(): Promise<Omit<DriftTick, 'woken'> & { enqueued: number }> {
  runtime ??= (() => {
    const rt = buildAwsClusterRuntime(awsConfigFromEnv());
    return { ...rt, credentials: repoCredentialsResolver(rt.config.repoCredentials, rt.secrets) };
  })();
  const jitterSeconds = Number(process.env[awsEnvNames.DRIFT_JITTER_SECONDS] ?? 60);
  const { woken, ...tick } = await runDriftTick({
    store: runtime.store,
    queue: runtime.queue,
    connector: runtime.connector,
    credentials: runtime.credentials,
    guard: runtime.guard,
    clock: systemClock,
    log,
    jitterSeconds,
  });
  // The first 50 woken apps by name, for finding them in the workers' logs.
  log.info('drift checked', { ...tickSummary({ ...tick, woken }), apps: woken.slice(0, 50) });
  return { ...tick, enqueued: woken.length };
}
