// What the worker does with records it gives back before its deadline: their visibility is cut
// from the queue's (12 minutes on AWS) to seconds, on moto's SQS.
import {
  CreateQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { sqsRetrySoon } from '../../../shared/runtime/aws-retry-soon.js';
import { awsClientConfig, uniqueName } from '../../support/testbed.js';

describe('giving wake-ups back for a quick retry', () => {
  const sqs = new SQSClient(awsClientConfig());
  afterAll(() => sqs.destroy());

  async function receiveAll(queueUrl: string, want: number, deadlineMs: number) {
    const got: { body: string; handle: string; count: number }[] = [];
    const deadline = Date.now() + deadlineMs;
    while (got.length < want && Date.now() < deadline) {
      const res = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      );
      for (const m of res.Messages ?? [])
        got.push({
          body: m.Body!,
          handle: m.ReceiptHandle!,
          count: Number(m.Attributes?.ApproximateReceiveCount),
        });
    }
    return got;
  }

  test('messages received with a long visibility timeout are visible again after the short delay asked for', async () => {
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName: uniqueName('retry-soon'),
        Attributes: { VisibilityTimeout: '720' },
      }),
    );
    // 12 messages: more than one ChangeMessageVisibilityBatch call (10 entries at most).
    for (let i = 0; i < 12; i++) await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: `m${i}` }));
    const first = await receiveAll(QueueUrl!, 12, 30_000);
    expect(first).toHaveLength(12);

    const retrySoon = sqsRetrySoon({ region: 'us-east-1', queueUrl: QueueUrl! }, sqs);
    await retrySoon(
      first.map((m) => m.handle),
      0,
    );
    // Without the change they would stay hidden for 12 minutes; this waits at most 30 s.
    const again = await receiveAll(QueueUrl!, 12, 30_000);
    expect(again.map((m) => m.body).sort()).toEqual(first.map((m) => m.body).sort());
    expect(new Set(again.map((m) => m.count))).toEqual(new Set([2]));
  });

  test('a stale receipt handle is an error the worker logs, not a silent success', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('retry-soon-bad') }));
    const retrySoon = sqsRetrySoon({ region: 'us-east-1', queueUrl: QueueUrl! }, sqs);
    await expect(retrySoon(['not-a-receipt-handle'], 0)).rejects.toThrow();
  });
});
