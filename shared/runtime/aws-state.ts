import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDbStateStore, type DynamoDbStateStoreOptions } from '../adapters/aws/dynamodb-state-store.js';
import { SecretsManagerSecretStore } from '../adapters/aws/secrets-manager-secret-store.js';
import { SqsJobQueue } from '../adapters/aws/sqs-job-queue.js';

/**
 * The store, queue and secrets of the AWS deployment: all the webhook and drift functions need.
 * Kept apart from the full runtime so their bundles leave out git, renderers and cluster clients.
 */
export function buildAwsStateAdapters(
  config: { region: string; tableName: string; queueUrl: string },
  storeOptions: Partial<DynamoDbStateStoreOptions> = {},
) {
  // AWS_ENDPOINT_URL (if set) points every client at an emulator: the SDK reads it itself.
  const clientConfig = { region: config.region };
  return {
    store: new DynamoDbStateStore(new DynamoDBClient(clientConfig), config.tableName, storeOptions),
    queue: new SqsJobQueue(new SQSClient(clientConfig), config.queueUrl),
    secrets: new SecretsManagerSecretStore(new SecretsManagerClient(clientConfig)),
  };
}
