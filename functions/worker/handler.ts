import {
  awsConfigFromEnv,
  buildAwsRuntime,
  parseJob,
  previewJobRunner,
  wakeUpHandlerOf,
  type AwsRuntime,
} from '../../shared/runtime/aws.js';
import { sqsRetrySoon } from '../../shared/runtime/aws-retry-soon.js';
import { awsEnvNames } from '../../shared/runtime/aws-env.js';
import { runDeleteJob, runTerminateJob } from '../../shared/control/queued-delete.js';
import type { LambdaContext, SqsBatchResponse, SqsEvent } from '../lambda-events.js';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { functionLogger } from '../logger.js';
import { defaultWorkerBatchOptions, handleBatch } from './batch.js';

const log = functionLogger('gitferry-worker');
// CloudWatch reads these from the log stream (Embedded Metric Format): no PutMetricData calls.
const metrics = new Metrics({ namespace: 'Gitferry', serviceName: 'gitferry-worker' });
let runtime: (AwsRuntime & { retrySoon: ReturnType<typeof sqsRetrySoon> }) | undefined;

/**
 * SQS batch of wake-ups → one controller step each, a few at a time (functions/worker/batch.ts).
 * A record that throws is reported as a batch item failure: SQS redelivers it, and after
 * maxReceiveCount it goes to the dead-letter queue. Records not finished before the deadline are
 * given back for a retry in seconds.
 */
export async function handler(event: SqsEvent, context: LambdaContext = {}): Promise<SqsBatchResponse> {
  runtime ??= (() => {
    const config = awsConfigFromEnv();
    return { ...buildAwsRuntime(config, { log }), retrySoon: sqsRetrySoon(config) };
  })();
  const rt = runtime;
  const controller = wakeUpHandlerOf(rt, log, context.awsRequestId ?? `worker-${process.pid}-${Date.now()}`);
  const setting = (name: keyof typeof awsEnvNames, fallback: number) => {
    const n = Number(process.env[awsEnvNames[name]]);
    return Number.isInteger(n) && n > 0 ? n : fallback;
  };
  const result = await handleBatch(event, context, {
    options: {
      parallelism: setting('WORKER_PARALLELISM', defaultWorkerBatchOptions.parallelism),
      startBudgetMs: setting('WORKER_START_BUDGET_MS', defaultWorkerBatchOptions.startBudgetMs),
    },
    handleRecord: async (record) => {
      const job = parseJob(record.body);
      const outcome =
        job.reason === 'delete'
          ? await runDeleteJob({ deleter: controller, queue: rt.queue }, job)
          : job.reason === 'terminate'
            ? await runTerminateJob({ terminator: controller, queue: rt.queue }, job)
            : job.reason === 'preview'
              ? await previewJobRunner(rt, log)(job)
              : await controller.handle(job);
      log.info('wake-up handled', {
        app: job.app,
        reason: job.reason,
        outcome,
        hop: job.hop ?? 0,
        queueLagMs: Date.now() - job.requestedAt,
      });
      // A wake-up chain that reached its bound (control/wake-bounds.ts): counted, for an alarm.
      if (outcome === 'bounded') metrics.addMetric('WakeUpChainBounded', MetricUnit.Count, 1);
    },
    onFailure: (record, err) => {
      log.error('wake-up failed; SQS will redeliver it', {
        messageId: record.messageId,
        receiveCount: record.attributes?.ApproximateReceiveCount,
        message: err.message,
      });
      metrics.addMetric('WakeUpFailed', MetricUnit.Count, 1);
    },
    onUnfinished: (records) => {
      log.warn('wake-ups given back unfinished before the deadline; retried in seconds', {
        messageIds: records.map((r) => r.messageId),
      });
      metrics.addMetric('WakeUpUnfinished', MetricUnit.Count, records.length);
    },
    onRetrySoonFailed: (err) =>
      log.warn('could not shorten the visibility of unfinished wake-ups', { message: err.message }),
    retrySoon: rt.retrySoon,
  });
  // What the wake-ups saw of their clusters is written before the container may be frozen.
  await rt.clusters.flushReports();
  // Only when something was counted: an empty flush prints a warning on every invocation.
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  return result;
}
