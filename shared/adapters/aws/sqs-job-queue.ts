import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { redactDeep } from '../../domain/redact.js';
import { isWakeUpGroup, type SyncJob } from '../../domain/sync-job.js';
import { JobQueueError, type PollingJobQueue, type ReceivedJob } from '../../ports/job-queue.js';

/** SQS's per-message delay limit. */
export const maxDelaySeconds = 900;

export function parseJob(body: string | undefined): SyncJob {
  const job = JSON.parse(body ?? '') as Partial<SyncJob>;
  if (typeof job.app !== 'string' || job.app === '' || typeof job.reason !== 'string') {
    throw new JobQueueError('queue:invalid', 'sync job message has no app or reason');
  }
  return job as SyncJob;
}

/**
 * The wake-up queue on a standard SQS queue (per-message delays; FIFO queues have none). Delivery
 * is at least once and unordered: the worker's lease, not the queue, serialises an app. A job's
 * group (its app's cluster) is sent as MessageGroupId, which makes the standard queue a fair
 * queue: when one cluster's wake-ups pile up, SQS hands the others' out first.
 */
export class SqsJobQueue implements PollingJobQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(job: SyncJob, opts: { delaySeconds?: number } = {}): Promise<void> {
    const delay = Math.max(0, Math.min(maxDelaySeconds, Math.ceil(opts.delaySeconds ?? 0)));
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        // Bodies end up in the dead-letter queue: no credential may ride along in a field.
        MessageBody: JSON.stringify(redactDeep(job)),
        DelaySeconds: delay,
        ...(isWakeUpGroup(job.group) ? { MessageGroupId: job.group } : {}),
      }),
    );
  }

  async receive(max: number, waitSeconds: number): Promise<ReceivedJob[]> {
    const res = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: Math.min(10, max),
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    return (res.Messages ?? []).map((m) => ({
      job: parseJob(m.Body),
      receipt: m.ReceiptHandle!,
      receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? '1'),
    }));
  }

  async delete(receipt: string): Promise<void> {
    await this.sqs.send(new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: receipt }));
  }
}
