import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
  DeleteTableCommand,
} from '@aws-sdk/client-dynamodb';
import { awsClientConfig, uniqueName } from '../../support/testbed.js';

describe('moto DynamoDB', () => {
  const table = uniqueName('smoke-table');
  let db: DynamoDBClient;

  beforeAll(async () => {
    db = new DynamoDBClient(awsClientConfig());
    await db.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    await db.send(
      new PutItemCommand({ TableName: table, Item: { pk: { S: 'lease' }, holder: { S: 'worker-a' } } }),
    );
  });
  afterAll(async () => {
    await db.send(new DeleteTableCommand({ TableName: table }));
    db.destroy();
  });

  test('writes nothing from a TransactWriteItems when one condition fails', async () => {
    const send = db.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: table, Item: { pk: { S: 'run-1' }, outcome: { S: 'Succeeded' } } } },
          {
            Put: {
              TableName: table,
              Item: { pk: { S: 'lease' }, holder: { S: 'worker-b' } },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
      }),
    );
    await expect(send).rejects.toBeInstanceOf(TransactionCanceledException);
    await expect(send).rejects.toMatchObject({
      CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }],
    });

    const run = await db.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: 'run-1' } }, ConsistentRead: true }),
    );
    const lease = await db.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: 'lease' } }, ConsistentRead: true }),
    );
    expect(run.Item).toBeUndefined();
    expect(lease.Item?.holder).toEqual({ S: 'worker-a' });
  });
});
