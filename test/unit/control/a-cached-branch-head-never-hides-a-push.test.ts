import { resolveAppRevision } from '../../../shared/control/desired-state.js';
import type { Control } from '../../../shared/control/deps.js';
import type { App } from '../../../shared/domain/app.js';
import type { SyncJob } from '../../../shared/domain/sync-job.js';
import type { SyncRequest } from '../../../shared/ports/state-store.js';
import { BranchHeadCache } from '../../../shared/source/head-cache.js';

const url = 'https://git.example.com/org/apps.git';
const sha = (n: number) => String(n).padStart(40, '0');

const app: App = {
  name: 'web',
  project: 'default',
  sources: [{ repoURL: url, path: 'web', targetRevision: 'main' }],
  destination: { name: 'prod', namespace: 'web' },
  syncPolicy: { automated: {} },
  ignoreDifferences: [],
  revisionHistoryLimit: 10,
  annotations: {},
};

/** A worker's view: a head cache (reused for ten minutes) in front of a git server stand-in. */
function worker() {
  let head = sha(1);
  let lookups = 0;
  let now = 1_000_000;
  const heads = new BranchHeadCache({
    ttlMs: 600_000,
    now: () => now,
    lookup: async () => {
      lookups++;
      return head;
    },
  });
  const c = {
    renderer: { heads },
    credentials: async () => undefined,
    clock: { now: () => now },
    o: { guard: {} },
  } as unknown as Control;
  const job = (reason: SyncJob['reason']): SyncJob => ({ app: app.name, reason, requestedAt: now });
  return {
    c,
    job,
    lookups: () => lookups,
    tick: (ms: number) => void (now += ms),
    now: () => now,
    push: (n: number) => void (head = sha(n)),
  };
}

describe('a cached branch head never hides a push', () => {
  test('a push recorded after the cached lookup started is resolved by a new lookup', async () => {
    const w = worker();
    expect(await resolveAppRevision(w.c, app, undefined, w.job('drift'))).toBe(sha(1));
    w.tick(1_000);
    w.push(2);
    const request: SyncRequest = { reason: 'webhook', revision: sha(2), requestedAt: w.now() };
    w.tick(50);
    expect(await resolveAppRevision(w.c, app, request, w.job('webhook'))).toBe(sha(2));
    expect(w.lookups()).toBe(2);
  });

  test('wake-ups without a request reuse the cached head; a poll, refresh or manual wake-up does not', async () => {
    const w = worker();
    await resolveAppRevision(w.c, app, undefined, w.job('drift'));
    w.tick(1_000);
    for (const reason of ['drift', 'continue', 'health', 'retry'] as const)
      await resolveAppRevision(w.c, app, undefined, w.job(reason));
    expect(w.lookups()).toBe(1);
    for (const reason of ['poll', 'refresh', 'manual'] as const) {
      w.tick(1_000);
      await resolveAppRevision(w.c, app, undefined, w.job(reason));
    }
    expect(w.lookups()).toBe(4);
  });

  test('a push that names another commit than a fresh-looking cached head is checked with the server at once', async () => {
    const w = worker();
    // The webhook's clock ran behind the worker's: its request time is before the cached lookup.
    const requestedAt = w.now() - 500;
    await resolveAppRevision(w.c, app, undefined, w.job('drift'));
    w.push(2);
    const request: SyncRequest = { reason: 'webhook', revision: sha(2), requestedAt };
    expect(await resolveAppRevision(w.c, app, request, w.job('webhook'))).toBe(sha(2));
    expect(w.lookups()).toBe(2);
    // A push of the commit already at the head costs no second lookup.
    w.tick(10);
    const again: SyncRequest = { reason: 'webhook', revision: sha(2), requestedAt: w.now() - 20 };
    expect(await resolveAppRevision(w.c, app, again, w.job('webhook'))).toBe(sha(2));
    expect(w.lookups()).toBe(2);
  });
});
