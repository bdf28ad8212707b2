import { SqliteStoreError } from '../../../../shared/adapters/local/sqlite-database.js';
import { SqliteJobQueue } from '../../../../shared/adapters/local/sqlite-job-queue.js';
import type { SyncJob } from '../../../../shared/domain/sync-job.js';
import { fakeClock, rejectionOf, tempDatabase, type TempDatabase } from './local-bed.js';

describe('SQS limits', () => {
  let bed: TempDatabase;
  beforeEach(() => (bed = tempDatabase()));
  afterEach(() => bed.remove());

  test('a delay over 900 s is capped at 900 s, as SQS would refuse it', async () => {
    const clock = fakeClock();
    const queue = new SqliteJobQueue(bed.open(), { clock });
    await queue.send({ app: 'web', reason: 'continue', requestedAt: 1 }, { delaySeconds: 5_000 });

    clock.advance(899_999);
    expect(await queue.receive(10, 0)).toEqual([]);
    clock.advance(1);
    expect(await queue.receive(10, 0)).toHaveLength(1);
  });

  test('a receive returns at most 10 messages, and at least 1 when asked for fewer', async () => {
    const queue = new SqliteJobQueue(bed.open());
    for (let i = 0; i < 15; i++) await queue.send({ app: `app-${i}`, reason: 'drift', requestedAt: i });

    expect(await queue.receive(50, 0)).toHaveLength(10);
    expect(await queue.receive(0, 0)).toHaveLength(1);
  });

  test('a receive asked for NaN messages and NaN seconds takes one message without waiting', async () => {
    const queue = new SqliteJobQueue(bed.open());
    const at = Date.now();

    expect(await queue.receive(NaN, NaN)).toEqual([]);
    await queue.send({ app: 'web', reason: 'drift', requestedAt: 1 });
    expect(await queue.receive(NaN, NaN)).toHaveLength(1);
    expect(Date.now() - at).toBeLessThan(500);
  });

  test('a job without an app is refused when sent, not when received', async () => {
    const queue = new SqliteJobQueue(bed.open());
    const err = await rejectionOf(queue.send({ reason: 'manual', requestedAt: 1 } as unknown as SyncJob));

    expect(err).toBeInstanceOf(SqliteStoreError);
    expect(err.code).toBe('queue:invalid');
    expect(await queue.receive(10, 0)).toEqual([]);
  });

  test('a visibility timeout of zero is refused when the queue is made', () => {
    expect(() => new SqliteJobQueue(bed.open(), { visibilityTimeoutSeconds: 0 })).toThrow(SqliteStoreError);
  });
});
