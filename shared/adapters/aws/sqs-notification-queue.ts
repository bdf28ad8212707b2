import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { redactDeep } from '../../domain/redact.js';
import type { NotificationJob } from '../../ports/notifier.js';
import { maxDelaySeconds } from './sqs-job-queue.js';

/**
 * The notification queue (AWS): the worker hands a step's notifications to it, the notifier
 * function consumes it and queues again, delayed, what failed for a reason that may pass.
 */
export class SqsNotificationQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(job: NotificationJob, delaySeconds = 0): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        // Bodies end up in the dead-letter queue: no credential may ride along in a field.
        MessageBody: JSON.stringify(redactDeep(job)),
        DelaySeconds: Math.max(0, Math.min(maxDelaySeconds, Math.ceil(delaySeconds))),
      }),
    );
  }
}
