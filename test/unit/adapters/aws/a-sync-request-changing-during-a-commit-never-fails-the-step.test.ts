import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDbStateStore } from '../../../../shared/adapters/aws/dynamodb-state-store.js';
import type { AppStatus } from '../../../../shared/domain/status.js';
import type { Lease } from '../../../../shared/ports/state-store.js';
import { scriptedDynamoDb, transactions } from './fake-dynamodb-client.js';

const lease: Lease = { app: 'web', holder: 'w', token: 3, expiresAt: Date.now() + 60_000 };
const status: AppStatus = {
  app: 'web',
  sync: { status: 'Synced' },
  health: { status: 'Healthy' },
  resources: [],
};
/** A cancellation of a transaction of `items` items for its last, the request's delete. */
const cancelledOnRequest = (items: number) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: [
      ...Array.from({ length: items - 1 }, () => ({ Code: 'None' })),
      { Code: 'ConditionalCheckFailed' },
    ],
  });
/** The App item is not found (its drift view half is then removed); the request item is. */
const isAppRead = (input: Record<string, unknown>) =>
  (input.Key as { sk?: { S?: string } } | undefined)?.sk?.S === 'APP';
const deletesRequest = (items: Record<string, unknown>[]) =>
  items.some((i) => (i.Delete as { Key?: { sk?: { S?: string } } } | undefined)?.Key?.sk?.S === 'REQ');

describe('a sync request that changes while a step commits', () => {
  test('a newer request arriving between the read and the transaction survives, and the step is written', async () => {
    let storedAt = 1_000;
    const { client, sent } = scriptedDynamoDb((name, input) => {
      if (name === 'Query') return { Items: [] };
      if (name === 'GetItem')
        return isAppRead(input) ? {} : { Item: { requestedAt: { N: String(storedAt) } } };
      if (transactions(sent).length === 1) {
        storedAt = 2_000; // a webhook's newer request lands before the transaction runs
        throw cancelledOnRequest(transactions(sent)[0]!.length);
      }
      return {};
    });

    await new DynamoDbStateStore(client, 't').commitStep(lease, { status, consumedRequestAt: 1_000 });

    const [first, second] = transactions(sent);
    expect(deletesRequest(first!)).toBe(true);
    // The lease check, the status and the removal of the view's status half; no request delete.
    expect(second).toHaveLength(3);
    expect(deletesRequest(second!)).toBe(false);
  });

  test('a request item that keeps changing is left alone by the last attempt instead of failing the step', async () => {
    const { client, sent } = scriptedDynamoDb((name, input) => {
      if (name === 'Query') return { Items: [] };
      if (name === 'GetItem') return isAppRead(input) ? {} : { Item: { requestedAt: { N: '1000' } } };
      const items = input.TransactItems as Record<string, unknown>[];
      if (deletesRequest(items)) throw cancelledOnRequest(items.length);
      return {};
    });

    await new DynamoDbStateStore(client, 't', { commitAttempts: 3 }).commitStep(lease, {
      status,
      consumedRequestAt: 1_000,
    });

    expect(transactions(sent).map(deletesRequest)).toEqual([true, true, false]);
  });
});
