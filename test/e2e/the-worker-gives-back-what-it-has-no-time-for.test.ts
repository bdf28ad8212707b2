// The worker Lambda handler near its deadline, on moto's SQS: records it has no time to start are
// answered as batch item failures and visible again within seconds, not after the visibility timeout.
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { startControlPlane, type ControlPlane } from '../support/control-plane.js';
import { uniqueName } from '../support/testbed.js';

describe('the worker handler near its deadline', () => {
  let cp: ControlPlane;
  // A visibility timeout far longer than this test may wait.
  beforeAll(async () => (cp = await startControlPlane({ visibilityTimeout: 600 })));
  afterAll(() => cp.dispose());

  async function receive(want: number, deadlineMs: number) {
    const got: { body: string; handle: string; id: string }[] = [];
    const deadline = Date.now() + deadlineMs;
    while (got.length < want && Date.now() < deadline) {
      const res = await cp.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: cp.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      for (const m of res.Messages ?? [])
        got.push({ body: m.Body!, handle: m.ReceiptHandle!, id: m.MessageId! });
    }
    return got;
  }

  test('answers every record it could not start as a failure and makes it visible again in seconds', async () => {
    const apps = [uniqueName('late-a'), uniqueName('late-b')];
    for (const app of apps) await cp.queue.send({ app, reason: 'drift', requestedAt: Date.now() });
    const received = await receive(2, 30_000);
    expect(received).toHaveLength(2);

    const { handler } = await import('../../functions/worker/handler.js');
    // 20 s left: less than the 30 s a record needs to be started.
    const result = await handler(
      { Records: received.map((m) => ({ messageId: m.id, body: m.body, receiptHandle: m.handle })) },
      { awsRequestId: uniqueName('late'), getRemainingTimeInMillis: () => 20_000 },
    );
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      received.map((m) => m.id).sort(),
    );

    // Visible again after the 5 s retry delay; without it, after 600 s.
    const again = await receive(2, 60_000);
    expect(again.map((m) => JSON.parse(m.body).app).sort()).toEqual([...apps].sort());
  });
});
