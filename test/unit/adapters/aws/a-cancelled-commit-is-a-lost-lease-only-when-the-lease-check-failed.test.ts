import { TransactionCanceledException, type CancellationReason } from '@aws-sdk/client-dynamodb';
import { DynamoDbStateStore, StateStoreError } from '../../../../shared/adapters/aws/dynamodb-state-store.js';
import { LeaseLostError, type Lease } from '../../../../shared/ports/state-store.js';
import { scriptedDynamoDb, transactions } from './fake-dynamodb-client.js';

const lease: Lease = { app: 'web', holder: 'w', token: 3, expiresAt: Date.now() + 60_000 };
const inventory = [{ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'web', name: 'api' }];
const cancelled = (reasons: CancellationReason[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: reasons,
  });

async function errorOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('commitStep classifies a cancelled transaction', () => {
  test('a failed lease check is LeaseLostError, without a retry', async () => {
    const { client, sent } = scriptedDynamoDb((name) => {
      if (name === 'Query') return { Items: [] };
      throw cancelled([{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }]);
    });
    const err = await errorOf(new DynamoDbStateStore(client, 't').commitStep(lease, { inventory }));

    expect(err).toBeInstanceOf(LeaseLostError);
    expect(err.message).toBe(
      'App/web lease lost: token 3 of holder w is no longer current; nothing was written',
    );
    expect(transactions(sent)).toHaveLength(1);
  });

  test('a conflict with a concurrent transaction is retried', async () => {
    const { client, sent } = scriptedDynamoDb((name) => {
      if (name === 'Query') return { Items: [] };
      if (transactions(sent).length === 1)
        throw cancelled([{ Code: 'TransactionConflict' }, { Code: 'None' }]);
      return {};
    });
    await new DynamoDbStateStore(client, 't').commitStep(lease, { inventory });

    expect(transactions(sent)).toHaveLength(2);
  });

  test('a cancellation without reasons is LeaseLostError only when the stored lease moved on', async () => {
    let stored = { holder: { S: 'w' }, token: { N: '3' }, expiresAt: { N: String(lease.expiresAt) } };
    const { client } = scriptedDynamoDb((name) => {
      if (name === 'Query') return { Items: [] };
      if (name === 'GetItem') return { Item: stored };
      throw cancelled([]);
    });
    const store = new DynamoDbStateStore(client, 't');

    const stillOurs = await errorOf(store.commitStep(lease, { inventory }));
    expect(stillOurs).toBeInstanceOf(StateStoreError);
    expect((stillOurs as StateStoreError).code).toBe('state:write-failed');

    stored = { ...stored, token: { N: '4' } };
    expect(await errorOf(store.commitStep(lease, { inventory }))).toBeInstanceOf(LeaseLostError);
  });

  test('any other cancellation is a state:write-failed error naming the app and keeping the cause', async () => {
    const { client } = scriptedDynamoDb((name) => {
      if (name === 'Query') return { Items: [] };
      throw cancelled([{ Code: 'None' }, { Code: 'ItemCollectionSizeLimitExceeded' }]);
    });
    const err = (await errorOf(
      new DynamoDbStateStore(client, 't').commitStep(lease, { inventory }),
    )) as StateStoreError;

    expect(err).toBeInstanceOf(StateStoreError);
    expect(err.code).toBe('state:write-failed');
    expect(err.message).toBe('App/web step commit was cancelled (None, ItemCollectionSizeLimitExceeded)');
    expect(err.cause).toBeInstanceOf(TransactionCanceledException);
  });
});
