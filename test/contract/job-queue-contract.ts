// The one contract suite of the JobQueue port (polling side). Every adapter (SQS, SQLite) runs it
// from its own `*.test.ts` file, against a fresh queue whose visibility timeout is 1 second.
import { randomBytes } from 'node:crypto';
import type { PollingJobQueue } from '../../shared/ports/job-queue.js';
import type { SyncJob } from '../../shared/domain/sync-job.js';

export interface JobQueueUnderTest {
  queue: PollingJobQueue;
  dispose(): Promise<void>;
}

const job = (reason: SyncJob['reason'] = 'webhook'): SyncJob => ({
  app: `app-${randomBytes(3).toString('hex')}`,
  reason,
  revision: randomBytes(20).toString('hex'),
  requestedAt: Date.now(),
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function describeJobQueueContract(name: string, make: () => Promise<JobQueueUnderTest>): void {
  describe(`${name} as a JobQueue`, () => {
    let q: JobQueueUnderTest;
    beforeEach(async () => (q = await make()));
    afterEach(() => q.dispose());

    test('a sent job is received whole, once, and gone after delete', async () => {
      const sent = job();
      await q.queue.send(sent);
      const [got, ...rest] = await q.queue.receive(10, 2);
      expect(rest).toEqual([]);
      expect(got).toMatchObject({ job: sent, receiveCount: 1 });
      await q.queue.delete(got!.receipt);
      await sleep(1_300);
      expect(await q.queue.receive(10, 1)).toEqual([]);
    });

    test('a delayed job is not received before its delay has passed', async () => {
      const sent = job('continue');
      const at = Date.now();
      await q.queue.send(sent, { delaySeconds: 2 });
      expect(await q.queue.receive(10, 0)).toEqual([]);
      expect(Date.now() - at).toBeLessThan(2_000);
      await sleep(2_100 - (Date.now() - at));
      const got = await q.queue.receive(10, 2);
      expect(got.map((g) => g.job)).toEqual([sent]);
    });

    test('a job not deleted comes back after its visibility timeout, with its receive count', async () => {
      const sent = job();
      await q.queue.send(sent);
      expect((await q.queue.receive(10, 2)).map((g) => g.receiveCount)).toEqual([1]);
      expect(await q.queue.receive(10, 0)).toEqual([]);
      await sleep(1_300);
      const again = await q.queue.receive(10, 2);
      expect(again.map((g) => [g.job, g.receiveCount])).toEqual([[sent, 2]]);
    });

    test('delays beyond the 15-minute limit are capped rather than refused', async () => {
      await expect(q.queue.send(job(), { delaySeconds: 5_000 })).resolves.toBeUndefined();
    });

    test("a job's group (its app's cluster) comes back with it, and a job without one has none", async () => {
      const grouped: SyncJob = { ...job('drift'), group: 'name:prod-eu' };
      const alone = job('manual');
      await q.queue.send(grouped);
      await q.queue.send(alone);
      const got: SyncJob[] = [];
      for (let i = 0; i < 5 && got.length < 2; i++)
        got.push(...(await q.queue.receive(10, 1)).map((g) => g.job));
      expect(got.sort((a, b) => a.app.localeCompare(b.app))).toEqual(
        [grouped, alone].sort((a, b) => a.app.localeCompare(b.app)),
      );
      expect(got.find((g) => g.app === alone.app)).not.toHaveProperty('group');
    });

    test('many jobs for many apps are all delivered', async () => {
      const sent = Array.from({ length: 25 }, () => job());
      await Promise.all(sent.map((s) => q.queue.send(s)));
      const got: SyncJob[] = [];
      for (let i = 0; i < 20 && got.length < sent.length; i++) {
        const batch = await q.queue.receive(10, 1);
        got.push(...batch.map((b) => b.job));
        await Promise.all(batch.map((b) => q.queue.delete(b.receipt)));
      }
      expect(got.map((j) => j.app).sort()).toEqual(sent.map((j) => j.app).sort());
    });
  });
}
