import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type SqliteDatabase } from '../../../shared/adapters/local/sqlite-database.js';
import { SqliteStateStore } from '../../../shared/adapters/local/sqlite-state-store.js';
import type { App } from '../../../shared/domain/app.js';
import type { SyncJob } from '../../../shared/domain/sync-job.js';
import {
  backoffSeconds,
  defaultWakeUpBounds,
  waitBackoffSeconds,
} from '../../../shared/control/wake-bounds.js';
import { WakeUpHandler, type WakeUpOutcome } from '../../../shared/control/wake-up.js';

// A wake-up that finds its app's lease held comes back later, backing off, and stops at the busy
// chain's bound: the chain neither loops through the queue for ever nor ends without a record.
let dir: string;
let db: SqliteDatabase;
let store: SqliteStateStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gitferry-bound-'));
  db = openDatabase(join(dir, 'gitferry.db'));
  store = new SqliteStateStore(db);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const app: App = {
  name: 'shop',
  project: 'default',
  sources: [{ repoURL: 'https://git.example.com/acme/shop.git', path: 'deploy', targetRevision: 'main' }],
  destination: { name: 'prod', namespace: 'shop' },
  syncPolicy: { automated: {} },
  ignoreDifferences: [],
  revisionHistoryLimit: 10,
  annotations: {},
};

describe('wake-up chain bounds', () => {
  test('the backoff goes 2 → 5 → 10 → 30 s and stays at 30', () => {
    expect(waitBackoffSeconds).toEqual([2, 5, 10, 30]);
    expect([0, 1, 2, 3, 4, 50].map((n) => backoffSeconds(n))).toEqual([2, 5, 10, 30, 30, 30]);
  });

  test('a busy chain backs off, keeps its start, and stops at its bound with a record', async () => {
    await store.putApp(app);
    const now = 1_700_000_000_000;
    // Another worker holds the lease for the whole test.
    expect(await store.acquireLease('shop', 'other-worker', 60 * 60_000, now)).toBeDefined();
    const sent: { job: SyncJob; delaySeconds?: number }[] = [];
    const warnings: { message: string; extra?: Record<string, unknown> }[] = [];
    const handler = new WakeUpHandler({
      store,
      queue: { send: async (job, opts) => void sent.push({ job, delaySeconds: opts?.delaySeconds }) },
      connector: { connect: async () => Promise.reject(new Error('not reached')) },
      renderer: {} as never,
      credentials: async () => undefined,
      clock: { now: () => now },
      log: {
        info: () => {},
        warn: (message, extra) => void warnings.push({ message, extra }),
        error: () => {},
      },
      holder: 'worker-1',
    });

    let job: SyncJob = { app: 'shop', reason: 'webhook', revision: 'abc', requestedAt: now };
    const outcomes: WakeUpOutcome[] = [];
    // Feed each re-sent wake-up back, as the queue would, until the chain ends (or runs away).
    for (let i = 0; i < 1_000; i++) {
      const before = sent.length;
      outcomes.push(await handler.handle(job));
      if (sent.length === before) break;
      job = sent.at(-1)!.job;
    }

    const bound = defaultWakeUpBounds.busyChain;
    expect(outcomes).toHaveLength(bound + 1);
    expect(outcomes.slice(0, bound).every((o) => o === 'busy')).toBe(true);
    expect(outcomes.at(-1)).toBe('bounded');
    expect(sent.map((s) => s.delaySeconds)).toEqual(
      Array.from({ length: bound }, (_, n) => [2, 5, 10][n] ?? 30),
    );
    // Every re-sent wake-up is the same request, one hop further, with the chain's start.
    expect(sent.map((s) => s.job.hop)).toEqual(Array.from({ length: bound }, (_, n) => n + 1));
    expect(sent.map((s) => s.job.busyRetries)).toEqual(Array.from({ length: bound }, (_, n) => n + 1));
    expect(sent.every((s) => s.job.chainStartedAt === now && s.job.revision === 'abc')).toBe(true);
    expect(warnings).toEqual([
      expect.objectContaining({
        message: expect.stringContaining('wake-up chain bounded'),
        extra: expect.objectContaining({ app: 'shop', busyRetries: bound }),
      }),
    ]);
  });

  test('a long chain (a sync that waited many times) that finds the lease held once is retried, not bounded', async () => {
    await store.putApp(app);
    expect(await store.acquireLease('shop', 'other-worker', 60_000, Date.now())).toBeDefined();
    const sent: { job: SyncJob; delaySeconds?: number }[] = [];
    const handler = new WakeUpHandler({
      store,
      queue: { send: async (job, opts) => void sent.push({ job, delaySeconds: opts?.delaySeconds }) },
      connector: { connect: async () => Promise.reject(new Error('not reached')) },
      renderer: {} as never,
      credentials: async () => undefined,
      clock: { now: Date.now },
      log: { info: () => {}, warn: () => {}, error: () => {} },
      holder: 'worker-1',
    });
    const job: SyncJob = { app: 'shop', reason: 'continue', requestedAt: 1, hop: 90, chainStartedAt: 1 };
    expect(await handler.handle(job)).toBe('busy');
    expect(sent).toEqual([{ job: { ...job, hop: 91, busyRetries: 1 }, delaySeconds: 2 }]);
  });

  test('a wake-up that finds the lease free is handled whatever its hop count', async () => {
    const handler = new WakeUpHandler({
      store,
      queue: { send: async () => {} },
      connector: { connect: async () => Promise.reject(new Error('not reached')) },
      renderer: {} as never,
      credentials: async () => undefined,
      clock: { now: Date.now },
      log: { info: () => {}, warn: () => {}, error: () => {} },
      holder: 'worker-1',
    });
    // No such app: handled (gone), not bounded, although its hop count is past every bound.
    expect(
      await handler.handle({ app: 'shop', reason: 'continue', requestedAt: Date.now(), hop: 10_000 }),
    ).toBe('gone');
  });
});
