import { awsConfigFromEnv } from '../../shared/runtime/aws-config.js';
import { buildAwsStateAdapters } from '../../shared/runtime/aws-state.js';
import { enqueueDriftChecks } from '../../shared/control/drift-schedule.js';
import { functionLogger } from '../logger.js';
import { awsEnvNames } from '../../shared/runtime/aws-env.js';

const log = functionLogger('gitferry-drift');
let runtime:
  (ReturnType<typeof buildAwsStateAdapters> & { config: ReturnType<typeof awsConfigFromEnv> }) | undefined;

/** On the schedule: a drift wake-up per app, spread with jitter (also the fallback for lost webhooks). */
export async function handler(): Promise<{ enqueued: number }> {
  runtime ??= (() => {
    const config = awsConfigFromEnv();
    return { config, ...buildAwsStateAdapters(config) };
  })();
  const jitterSeconds = Number(process.env[awsEnvNames.DRIFT_JITTER_SECONDS] ?? 60);
  const enqueued = await enqueueDriftChecks({
    store: runtime.store,
    queue: runtime.queue,
    now: Date.now,
    jitterSeconds,
  });
  log.info('drift checks enqueued', { apps: enqueued });
  return { enqueued };
}
