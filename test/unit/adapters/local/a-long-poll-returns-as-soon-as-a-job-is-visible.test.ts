import { SqliteJobQueue } from '../../../../shared/adapters/local/sqlite-job-queue.js';
import { tempDatabase, type TempDatabase } from './local-bed.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('long polling', () => {
  let bed: TempDatabase;
  beforeEach(() => (bed = tempDatabase()));
  afterEach(() => bed.remove());

  test('a send through the same queue wakes a waiting receive at once', async () => {
    const queue = new SqliteJobQueue(bed.open(), { pollIntervalMs: 5_000 });
    const waiting = queue.receive(10, 10);
    await sleep(50);
    const sentAt = Date.now();
    await queue.send({ app: 'web', reason: 'manual', requestedAt: sentAt });

    expect((await waiting).map((r) => r.job.app)).toEqual(['web']);
    expect(Date.now() - sentAt).toBeLessThan(1_000);
  });

  test('a send through another connection to the file is found by the next poll', async () => {
    const receiver = new SqliteJobQueue(bed.open());
    const sender = new SqliteJobQueue(bed.open());
    const waiting = receiver.receive(10, 10);
    await sleep(200);
    const sentAt = Date.now();
    await sender.send({ app: 'web', reason: 'webhook', requestedAt: sentAt });

    expect((await waiting).map((r) => r.job.app)).toEqual(['web']);
    expect(Date.now() - sentAt).toBeLessThan(1_000);
  });

  test('a receive with nothing to get waits about waitSeconds, and waitSeconds 0 does not wait', async () => {
    const queue = new SqliteJobQueue(bed.open());
    let at = Date.now();
    expect(await queue.receive(10, 1)).toEqual([]);
    expect(Date.now() - at).toBeGreaterThanOrEqual(950);
    expect(Date.now() - at).toBeLessThan(1_500);

    at = Date.now();
    expect(await queue.receive(10, 0)).toEqual([]);
    expect(Date.now() - at).toBeLessThan(200);
  });

  test('a delayed message wakes a long poll when its delay is over', async () => {
    const queue = new SqliteJobQueue(bed.open());
    const at = Date.now();
    await queue.send({ app: 'web', reason: 'continue', requestedAt: at }, { delaySeconds: 1 });

    expect((await queue.receive(10, 5)).map((r) => r.job.app)).toEqual(['web']);
    expect(Date.now() - at).toBeGreaterThanOrEqual(1_000);
    expect(Date.now() - at).toBeLessThan(1_500);
  });
});
