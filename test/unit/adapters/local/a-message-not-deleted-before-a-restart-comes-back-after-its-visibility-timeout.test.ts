import { SqliteJobQueue } from '../../../../shared/adapters/local/sqlite-job-queue.js';
import { fakeClock, tempDatabase, type TempDatabase } from './local-bed.js';

describe('durability', () => {
  let bed: TempDatabase;
  beforeEach(() => (bed = tempDatabase()));
  afterEach(() => bed.remove());

  test('a message received but not deleted when the process stops is delivered again after a restart, once hidden long enough', async () => {
    const clock = fakeClock();
    const job = { app: 'web', reason: 'continue' as const, requestedAt: 7 };
    const before = bed.open();
    const queue = new SqliteJobQueue(before, { visibilityTimeoutSeconds: 30, clock });
    await queue.send(job);
    await queue.send({ app: 'later', reason: 'continue', requestedAt: 8 }, { delaySeconds: 60 });
    expect(await queue.receive(10, 0)).toHaveLength(1);
    before.close();

    const restarted = new SqliteJobQueue(bed.open(), { visibilityTimeoutSeconds: 30, clock });
    expect(await restarted.receive(10, 0)).toEqual([]);
    clock.advance(30_000);
    expect((await restarted.receive(10, 0)).map((r) => [r.job, r.receiveCount])).toEqual([[job, 2]]);
    clock.advance(30_000);
    expect((await restarted.receive(10, 0)).map((r) => r.job.app).sort()).toEqual(['later', 'web']);
  });

  test('a receive waiting on a database that is closed ends with nothing', async () => {
    const db = bed.open();
    const queue = new SqliteJobQueue(db);
    const waiting = queue.receive(1, 10);
    setTimeout(() => db.close(), 100);
    const at = Date.now();

    expect(await waiting).toEqual([]);
    expect(Date.now() - at).toBeLessThan(2_000);
  });
});
