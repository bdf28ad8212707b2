import { CreateQueueCommand, DeleteQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
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
