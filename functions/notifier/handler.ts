import { awsConfigFromEnv } from '../../shared/runtime/aws-config.js';
import {
  buildAwsNotifierRuntime,
  deliverOnAws,
  parseNotificationJob,
  type AwsNotifierRuntime,
} from '../../shared/runtime/aws-notifier.js';
import type { LambdaContext, SqsBatchResponse, SqsEvent } from '../lambda-events.js';
import { functionLogger } from '../logger.js';

const log = functionLogger('gitferry-notifier');
let runtime: AwsNotifierRuntime | undefined;

/**
 * SQS batch of notification jobs (queued by the worker) → the services' requests. What failed for
 * a reason that may pass is queued again, delayed; what finally failed becomes the app's
 * NotificationError condition. A record that throws (a body that is no job, the store or queue
 * down) is reported as a batch item failure: SQS redelivers it, then dead-letters it.
 */
export async function handler(event: SqsEvent, context: LambdaContext = {}): Promise<SqsBatchResponse> {
  runtime ??= buildAwsNotifierRuntime(awsConfigFromEnv());
  const rt = runtime;
  const holder = context.awsRequestId ?? `notifier-${process.pid}-${Date.now()}`;
  const batchItemFailures: { itemIdentifier: string }[] = [];
  for (const record of event.Records) {
    try {
      const job = parseNotificationJob(record.body);
      const outcome = await deliverOnAws(rt, log, holder, job);
      log.info('notification job handled', { messageId: record.messageId, attempt: job.attempt, ...outcome });
    } catch (err) {
      log.error('notification job failed; SQS will redeliver it', {
        messageId: record.messageId,
        receiveCount: record.attributes?.ApproximateReceiveCount,
        message: (err as Error).message,
      });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}
