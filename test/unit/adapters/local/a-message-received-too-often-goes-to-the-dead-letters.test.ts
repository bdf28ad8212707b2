import { SqliteJobQueue } from '../../../../shared/adapters/local/sqlite-job-queue.js';
import { fakeClock, tempDatabase, type TempDatabase } from './local-bed.js';

describe('dead letters', () => {
  let bed: TempDatabase;
  beforeEach(() => (bed = tempDatabase()));
  afterEach(() => bed.remove());

  test('a message received maxReceiveCount times without a delete is moved to the dead letters by the next receive', async () => {
    const clock = fakeClock();
    const queue = new SqliteJobQueue(bed.open(), { visibilityTimeoutSeconds: 10, maxReceiveCount: 3, clock });
    const job = { app: 'web', reason: 'webhook' as const, revision: 'a'.repeat(40), requestedAt: 1 };
    const sentAt = clock.now();
    await queue.send(job);

    for (const count of [1, 2, 3]) {
      expect((await queue.receive(10, 0)).map((r) => [r.job, r.receiveCount])).toEqual([[job, count]]);
      clock.advance(10_000);
    }
    expect(await queue.receive(10, 0)).toEqual([]);

    expect(await queue.listDeadLetters()).toEqual([
      {
        id: expect.any(Number),
        messageId: expect.any(Number),
        job,
        body: JSON.stringify(job),
        receiveCount: 3,
        sentAt,
        deadAt: clock.now(),
        reason: 'max receives',
      },
    ]);
    clock.advance(60_000);
    expect(await queue.receive(10, 0)).toEqual([]);
  });

  test('a dead message does not take a place in the batch: the next live ones are received instead', async () => {
    const clock = fakeClock();
    const queue = new SqliteJobQueue(bed.open(), { visibilityTimeoutSeconds: 1, maxReceiveCount: 1, clock });
    await queue.send({ app: 'poison', reason: 'webhook', requestedAt: 1 });
    expect(await queue.receive(1, 0)).toHaveLength(1);
    clock.advance(1_000);
    await queue.send({ app: 'a', reason: 'drift', requestedAt: 2 });
    await queue.send({ app: 'b', reason: 'drift', requestedAt: 3 });

    expect((await queue.receive(2, 0)).map((r) => r.job.app)).toEqual(['a', 'b']);
    expect((await queue.listDeadLetters()).map((d) => d.job?.app)).toEqual(['poison']);
  });

  test('a message whose body is not a job goes to the dead letters at once, with why', async () => {
    const db = bed.open();
    const queue = new SqliteJobQueue(db);
    db.prepare('INSERT INTO job_messages (body, sent_at, visible_at) VALUES (?, 0, 0)').run(
      '{"not":"a job"}',
    );
    await queue.send({ app: 'web', reason: 'manual', requestedAt: 1 });

    expect((await queue.receive(10, 0)).map((r) => r.job.app)).toEqual(['web']);
    const [dead] = await queue.listDeadLetters();
    expect(dead).toMatchObject({ body: '{"not":"a job"}', receiveCount: 0 });
    expect(dead?.job).toBeUndefined();
    expect(dead?.reason).toMatch(/^unreadable: /);
  });

  test('dead letters are listed newest first and honour the limit', async () => {
    const clock = fakeClock();
    const queue = new SqliteJobQueue(bed.open(), { visibilityTimeoutSeconds: 1, maxReceiveCount: 1, clock });
    for (const app of ['first', 'second', 'third']) {
      await queue.send({ app, reason: 'retry', requestedAt: 1 });
      await queue.receive(10, 0);
      clock.advance(1_000);
      await queue.receive(10, 0);
    }

    expect((await queue.listDeadLetters()).map((d) => d.job?.app)).toEqual(['third', 'second', 'first']);
    expect((await queue.listDeadLetters(1)).map((d) => d.job?.app)).toEqual(['third']);
  });
});
