import {
  awsConfigFromEnv,
  buildAwsRuntime,
  parseJob,
  wakeUpHandlerOf,
  type AwsRuntime,
} from '../../shared/runtime/aws.js';
import type { LambdaContext, SqsBatchResponse, SqsEvent } from '../lambda-events.js';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { functionLogger } from '../logger.js';

const log = functionLogger('gitferry-worker');
// CloudWatch reads these from the log stream (Embedded Metric Format): no PutMetricData calls.
const metrics = new Metrics({ namespace: 'Gitferry', serviceName: 'gitferry-worker' });
let runtime: AwsRuntime | undefined;

/**
 * SQS batch of wake-ups → one controller step each. A record that throws is reported as a batch
 * item failure: SQS redelivers it, and after maxReceiveCount it goes to the dead-letter queue.
 */
export async function handler(event: SqsEvent, context: LambdaContext = {}): Promise<SqsBatchResponse> {
  runtime ??= buildAwsRuntime(awsConfigFromEnv());
  const rt = runtime;
  const controller = wakeUpHandlerOf(rt, log, context.awsRequestId ?? `worker-${process.pid}-${Date.now()}`);
  const failures: SqsBatchResponse['batchItemFailures'] = [];
  await Promise.all(
    event.Records.map(async (record) => {
      try {
        const job = parseJob(record.body);
        const outcome = await controller.handle(job);
        log.info('wake-up handled', {
          app: job.app,
          reason: job.reason,
          outcome,
          hop: job.hop ?? 0,
          queueLagMs: Date.now() - job.requestedAt,
        });
        // A wake-up chain that reached its bound (control/wake-bounds.ts): counted, for an alarm.
        if (outcome === 'bounded') metrics.addMetric('WakeUpChainBounded', MetricUnit.Count, 1);
      } catch (err) {
        log.error('wake-up failed; SQS will redeliver it', {
          messageId: record.messageId,
          receiveCount: record.attributes?.ApproximateReceiveCount,
          message: (err as Error).message,
        });
        failures.push({ itemIdentifier: record.messageId });
        metrics.addMetric('WakeUpFailed', MetricUnit.Count, 1);
      }
    }),
  );
  metrics.publishStoredMetrics();
  return { batchItemFailures: failures };
}
