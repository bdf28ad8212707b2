import {
  CreateQueueCommand,
  DeleteQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { awsClientConfig, uniqueName } from '../../support/testbed.js';

describe('moto SQS', () => {
  let sqs: SQSClient;
  let queueUrl: string;

  beforeAll(async () => {
    sqs = new SQSClient(awsClientConfig());
    const created = await sqs.send(
      new CreateQueueCommand({
        QueueName: uniqueName('smoke-queue'),
        Attributes: { VisibilityTimeout: '30' },
      }),
    );
    queueUrl = created.QueueUrl!;
  });
  afterAll(async () => {
    await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
    sqs.destroy();
  });

  const receive = (visibility?: number, wait = 0) =>
    sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: wait,
        VisibilityTimeout: visibility,
      }),
    );

  test('does not deliver a message sent with a 2-second delay before the delay passes', async () => {
    const sentAt = Date.now();
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'delayed', DelaySeconds: 2 }));
    const early = await receive();
    expect(Date.now() - sentAt).toBeLessThan(2_000); // the early look really was early
    expect(early.Messages ?? []).toHaveLength(0);

    await new Promise((r) => setTimeout(r, 2_200 - (Date.now() - sentAt)));
    const late = await receive(30, 2);
    expect(late.Messages?.map((m) => m.Body)).toEqual(['delayed']);
  });

  test('redelivers a message whose visibility timeout expires without a delete', async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'redeliver-me' }));
    const first = await receive(1, 1);
    expect(first.Messages?.map((m) => m.Body)).toEqual(['redeliver-me']);

    const hidden = await receive(1);
    expect(hidden.Messages ?? []).toHaveLength(0);

    await new Promise((r) => setTimeout(r, 1_200));
    const again = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        WaitTimeSeconds: 2,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    expect(again.Messages?.map((m) => m.Body)).toEqual(['redeliver-me']);
    expect(again.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('2');
  });
});
