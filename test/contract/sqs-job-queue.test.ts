import {
  CreateQueueCommand,
  DeleteQueueCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { SqsJobQueue } from '../../shared/adapters/aws/sqs-job-queue.js';
import { awsClientConfig, uniqueName } from '../support/testbed.js';
import { describeJobQueueContract } from './job-queue-contract.js';

describeJobQueueContract('SqsJobQueue on moto', async () => {
  const sqs = new SQSClient(awsClientConfig());
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({
      QueueName: uniqueName('contract-jobs'),
      Attributes: { VisibilityTimeout: '1' },
    }),
  );
  return {
    queue: new SqsJobQueue(sqs, QueueUrl!),
    dispose: async () => {
      await sqs.send(new DeleteQueueCommand({ QueueUrl }));
      sqs.destroy();
    },
  };
});

describe('SqsJobQueue on moto: fair queue', () => {
  test("a job's group is sent as MessageGroupId (what makes SQS share the queue fairly), and no other value is", async () => {
    const sqs = new SQSClient(awsClientConfig());
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('fair-jobs') }));
    try {
      const queue = new SqsJobQueue(sqs, QueueUrl!);
      await queue.send({ app: 'web', reason: 'drift', requestedAt: 1, group: 'name:prod-eu' });
      await queue.send({ app: 'api', reason: 'manual', requestedAt: 2 });
      // A group SQS would refuse (a space, over 128 characters) is not sent as one: the job still goes.
      await queue.send({ app: 'odd', reason: 'drift', requestedAt: 3, group: `name:${'x'.repeat(200)} y` });
      const groups: Record<string, string | undefined> = {};
      for (let i = 0; i < 5 && Object.keys(groups).length < 3; i++) {
        const res = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
            MessageSystemAttributeNames: ['MessageGroupId'],
          }),
        );
        for (const m of res.Messages ?? [])
          groups[(JSON.parse(m.Body!) as { app: string }).app] = m.Attributes?.MessageGroupId;
      }
      expect(groups).toEqual({ web: 'name:prod-eu', api: undefined, odd: undefined });
    } finally {
      await sqs.send(new DeleteQueueCommand({ QueueUrl }));
      sqs.destroy();
    }
  });
});
