// Fair delivery in serve's queue (SqliteJobQueue), as SQS fair queues do it on AWS: a receive takes
// the oldest visible message of the tenant (the job's group, its app's cluster) with the fewest
// messages in flight. Messages are received and not deleted, as busy workers hold them.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { openDatabase, sqliteMigrations } from '../../../../shared/adapters/local/sqlite-database.js';
import { SqliteJobQueue } from '../../../../shared/adapters/local/sqlite-job-queue.js';
import type { SyncJob } from '../../../../shared/domain/sync-job.js';
import { fakeClock, tempDatabase, type TempDatabase } from './local-bed.js';

const wake = (app: string, group?: string): SyncJob => ({
  app,
  reason: 'refresh',
  requestedAt: 1,
  ...(group ? { group } : {}),
});

describe("serve's queue shares the workers between clusters", () => {
  let bed: TempDatabase;
  beforeEach(() => (bed = tempDatabase()));
  afterEach(() => bed.remove());

  async function takeOneEach(queue: SqliteJobQueue, workers: number): Promise<string[]> {
    const taken: string[] = [];
    for (let i = 0; i < workers; i++) taken.push(...(await queue.receive(1, 0)).map((r) => r.job.app));
    return taken;
  }

  test("a thousand wake-ups for one cluster hold one worker of four, and another cluster's, sent last, goes second", async () => {
    const queue = new SqliteJobQueue(bed.open());
    for (let i = 0; i < 1_000; i++) await queue.send(wake(`busy-${i}`, 'name:busy'));
    await queue.send(wake('quiet-0', 'name:quiet'));

    // busy-0 is the oldest; then quiet has none in flight and busy has one.
    expect(await takeOneEach(queue, 4)).toEqual(['busy-0', 'quiet-0', 'busy-1', 'busy-2']);
  });

  test('two clusters with backlogs take the workers in turn, each oldest first', async () => {
    const queue = new SqliteJobQueue(bed.open());
    for (let i = 0; i < 50; i++) await queue.send(wake(`a-${i}`, 'name:a'));
    for (let i = 0; i < 50; i++) await queue.send(wake(`b-${i}`, 'server:https://10.0.0.1:6443'));

    expect(await takeOneEach(queue, 6)).toEqual(['a-0', 'b-0', 'a-1', 'b-1', 'a-2', 'b-2']);
  });

  test("a finished wake-up gives its cluster's place back: the share follows what is in flight, not what was sent", async () => {
    const queue = new SqliteJobQueue(bed.open());
    for (let i = 0; i < 10; i++) await queue.send(wake(`a-${i}`, 'name:a'));
    for (let i = 0; i < 10; i++) await queue.send(wake(`b-${i}`, 'name:b'));
    const [a0] = await queue.receive(1, 0);
    const [b0] = await queue.receive(1, 0);
    await queue.delete(a0!.receipt);

    // a has nothing in flight now, b has one: a goes next although b-1 is as old as a-1's turn.
    expect((await queue.receive(1, 0)).map((r) => r.job.app)).toEqual(['a-1']);
    expect(b0!.job.app).toBe('b-0');
  });

  test("people's requests (no group) are one tenant: one goes ahead of a cluster's backlog, a thousand take their share", async () => {
    const queue = new SqliteJobQueue(bed.open());
    for (let i = 0; i < 100; i++) await queue.send(wake(`bulk-${i}`, 'name:prod'));
    await queue.send({ app: 'checkout', reason: 'manual', requestedAt: 2 });

    expect(await takeOneEach(queue, 3)).toEqual(['bulk-0', 'checkout', 'bulk-1']);

    // A script asking a thousand syncs is one tenant, not a thousand: the cluster keeps its turn.
    for (let i = 0; i < 1_000; i++) await queue.send({ app: `asked-${i}`, reason: 'manual', requestedAt: 3 });
    expect(await takeOneEach(queue, 4)).toEqual(['asked-0', 'bulk-2', 'asked-1', 'bulk-3']);
  });

  test('a batch receive takes from every cluster with something visible, and fills up from the backlog', async () => {
    const queue = new SqliteJobQueue(bed.open());
    for (let i = 0; i < 20; i++) await queue.send(wake(`a-${i}`, 'name:a'));
    for (let i = 0; i < 2; i++) await queue.send(wake(`b-${i}`, 'name:b'));
    await queue.send(wake('c-0', 'name:c'));

    const got = (await queue.receive(10, 0)).map((r) => r.job.app);
    expect(got).toHaveLength(10);
    expect(got).toEqual(expect.arrayContaining(['b-0', 'b-1', 'c-0']));
    expect(got.filter((a) => a.startsWith('a-'))).toEqual(['a-0', 'a-1', 'a-2', 'a-3', 'a-4', 'a-5', 'a-6']);
  });

  test("a delayed wake-up neither goes early nor counts as in flight for its cluster's share", async () => {
    const clock = fakeClock();
    const queue = new SqliteJobQueue(bed.open(), { clock });
    for (let i = 0; i < 5; i++) await queue.send(wake(`later-${i}`, 'name:a'), { delaySeconds: 60 });
    await queue.send(wake('a-now', 'name:a'));
    await queue.send(wake('b-now', 'name:b'));

    expect(await takeOneEach(queue, 3)).toEqual(['a-now', 'b-now']);
    clock.advance(60_000);
    expect((await queue.receive(1, 0)).map((r) => r.job.app)).toEqual(['later-0']);
  });

  test('messages queued by a version before tenants are delivered after the upgrade, oldest first', async () => {
    // A file at schema version 7 with two messages in it, as the previous release left it.
    const file = join(bed.dir, 'old.db');
    const old = new Database(file);
    for (const sql of sqliteMigrations.slice(0, 7)) old.exec(sql);
    old.pragma('user_version = 7');
    const insert = old.prepare('INSERT INTO job_messages (body, sent_at, visible_at) VALUES (?, ?, ?)');
    insert.run(JSON.stringify(wake('old-0')), 1, 1);
    insert.run(JSON.stringify(wake('old-1')), 2, 2);
    old.close();

    const db = openDatabase(file);
    try {
      const queue = new SqliteJobQueue(db);
      await queue.send(wake('new-0', 'name:a'));
      const got = (await queue.receive(10, 0)).map((r) => r.job.app);
      expect([...got].sort()).toEqual(['new-0', 'old-0', 'old-1']);
      expect(got.indexOf('old-0')).toBeLessThan(got.indexOf('old-1'));
    } finally {
      db.close();
    }
  });
});
