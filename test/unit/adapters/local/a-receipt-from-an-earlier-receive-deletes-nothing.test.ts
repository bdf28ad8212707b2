import { SqliteStoreError } from '../../../../shared/adapters/local/sqlite-database.js';
import { SqliteJobQueue } from '../../../../shared/adapters/local/sqlite-job-queue.js';
import { fakeClock, rejectionOf, tempDatabase, type TempDatabase } from './local-bed.js';

describe('receipts', () => {
  let bed: TempDatabase;
  beforeEach(() => (bed = tempDatabase()));
  afterEach(() => bed.remove());

  test('after a redelivery the first receipt deletes nothing and the current one deletes the message', async () => {
    const clock = fakeClock();
    const queue = new SqliteJobQueue(bed.open(), { visibilityTimeoutSeconds: 5, clock });
    await queue.send({ app: 'web', reason: 'webhook', requestedAt: 1 });
    const [first] = await queue.receive(1, 0);
    clock.advance(5_000);
    const [second] = await queue.receive(1, 0);
    expect(second!.receipt).not.toBe(first!.receipt);

    await queue.delete(first!.receipt);
    clock.advance(5_000);
    const [third] = await queue.receive(1, 0);
    expect(third?.receiveCount).toBe(3);

    await queue.delete(third!.receipt);
    clock.advance(60_000);
    expect(await queue.receive(1, 0)).toEqual([]);
  });

  test('a receipt deleted twice is a no-op the second time', async () => {
    const queue = new SqliteJobQueue(bed.open());
    await queue.send({ app: 'web', reason: 'webhook', requestedAt: 1 });
    const [got] = await queue.receive(1, 0);

    await queue.delete(got!.receipt);
    await expect(queue.delete(got!.receipt)).resolves.toBeUndefined();
  });

  test('a string this queue never issued is refused as a receipt', async () => {
    const queue = new SqliteJobQueue(bed.open());
    const err = await rejectionOf(queue.delete('AQEB-not-ours'));

    expect(err).toBeInstanceOf(SqliteStoreError);
    expect(err.code).toBe('queue:invalid-receipt');
  });
});
