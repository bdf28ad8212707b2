// commitStep's lease check reads the time from the store's Clock (BaseStateStore), never the wall
// clock inside an adapter: with a clock a test moves, a lease is current until the instant it
// expires, in both stores alike.
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDbStateStore } from '../../../shared/adapters/aws/dynamodb-state-store.js';
import { SqliteStateStore } from '../../../shared/adapters/local/sqlite-state-store.js';
import { LeaseLostError, StateStoreError, type Lease } from '../../../shared/ports/state-store.js';
import { scriptedDynamoDb, transactions } from './aws/fake-dynamodb-client.js';
import { fakeClock, rejectionOf, tempDatabase, type TempDatabase } from './local/local-bed.js';

// Far from the wall clock on purpose: a store that read Date.now() would judge these leases expired.
const t0 = 1_000_000;

describe('SqliteStateStore', () => {
  let bed: TempDatabase;
  beforeEach(() => (bed = tempDatabase()));
  afterEach(() => bed.remove());

  test('a lease commits until its expiry by the injected clock, and is lost at that instant', async () => {
    const clock = fakeClock(t0);
    const store = new SqliteStateStore(bed.open(), { clock });
    const lease = (await store.acquireLease('web', 'w', 30_000, t0))!;

    clock.advance(29_999);
    await expect(store.commitStep(lease, { inventory: [] })).resolves.toBeUndefined();
    clock.advance(1);
    expect(await rejectionOf(store.commitStep(lease, { inventory: [] }))).toBeInstanceOf(LeaseLostError);
  });
});

describe('DynamoDbStateStore', () => {
  const lease: Lease = { app: 'web', holder: 'w', token: 3, expiresAt: t0 + 30_000 };
  const storedLease = { holder: { S: 'w' }, token: { N: '3' }, expiresAt: { N: String(t0 + 30_000) } };

  test('the lease condition of the transaction compares against the injected clock', async () => {
    const clock = fakeClock(t0 + 12_345);
    const { client, sent } = scriptedDynamoDb((name) => (name === 'Query' ? { Items: [] } : {}));
    await new DynamoDbStateStore(client, 't', { clock }).commitStep(lease, { inventory: [] });

    const [check] = transactions(sent)[0]!;
    expect(check).toMatchObject({
      ConditionCheck: {
        ConditionExpression: '#holder = :holder AND #token = :token AND #expiresAt > :now',
        ExpressionAttributeValues: { ':now': { N: String(t0 + 12_345) } },
      },
    });
  });

  test('a cancellation without reasons is a lost lease exactly when the injected clock reached its expiry', async () => {
    const clock = fakeClock(t0 + 29_999);
    const { client } = scriptedDynamoDb((name) => {
      if (name === 'Query') return { Items: [] };
      if (name === 'GetItem') return { Item: storedLease };
      throw new TransactionCanceledException({
        message: 'cancelled',
        $metadata: {},
        CancellationReasons: [],
      });
    });
    const store = new DynamoDbStateStore(client, 't', { clock });

    const beforeExpiry = await rejectionOf(store.commitStep(lease, { inventory: [] }));
    expect(beforeExpiry).toBeInstanceOf(StateStoreError);
    expect(beforeExpiry.code).toBe('state:write-failed');
    clock.advance(1);
    expect(await rejectionOf(store.commitStep(lease, { inventory: [] }))).toBeInstanceOf(LeaseLostError);
  });
});
