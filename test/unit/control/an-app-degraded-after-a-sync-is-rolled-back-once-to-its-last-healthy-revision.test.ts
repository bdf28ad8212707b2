import {
  decideAutoRollback,
  runReasonNote,
  withHealthyRecord,
} from '../../../shared/control/auto-rollback.js';
import type { App } from '../../../shared/domain/app.js';
import type { AppStatus, SyncRun } from '../../../shared/domain/status.js';

// The automatic rollback's decision, from data alone: when it rolls back, where to, and every case
// in which it must not (no annotation, running, pinned, outside the window, already once).
const good = 'a'.repeat(40);
const bad = 'b'.repeat(40);
const now = Date.parse('2026-12-01T12:00:00Z');
const app = (over: Partial<App> = {}): App => ({
  name: 'web',
  project: 'default',
  sources: [{ repoURL: 'https://github.com/acme/shop', path: 'web' }],
  destination: { name: 'prod', namespace: 'web' },
  syncPolicy: { automated: {} },
  ignoreDifferences: [],
  revisionHistoryLimit: 10,
  annotations: { 'gitferry.dev/auto-rollback': '10m' },
  ...over,
});
const degraded = (over: Partial<AppStatus> = {}): AppStatus => ({
  app: 'web',
  sync: { status: 'Synced', revision: bad },
  health: { status: 'Degraded', message: 'Deployment/web/web: timed out progressing' },
  resources: [],
  operation: {
    phase: 'Succeeded',
    revision: bad,
    startedAt: '2026-12-01T11:54:00Z',
    finishedAt: '2026-12-01T11:55:00Z',
  },
  healthyRevisions: [good],
  ...over,
});

describe('decideAutoRollback', () => {
  test('Degraded within the window after a sync: back to the last Healthy revision, saying why', () => {
    expect(decideAutoRollback(app(), degraded(), false, undefined, now)).toEqual({
      from: bad,
      to: good,
      reason: 'Degraded: Deployment/web/web: timed out progressing',
    });
  });

  test('a bad revision that was Healthy for a while still goes back to the one before it', () => {
    const s = degraded({ healthyRevisions: [bad, good] });
    expect(decideAutoRollback(app(), s, false, undefined, now)?.to).toBe(good);
  });

  test('with no earlier Healthy revision it says so (no target) rather than guessing', () => {
    const d = decideAutoRollback(app(), degraded({ healthyRevisions: [] }), false, undefined, now);
    expect(d).toEqual({ from: bad, reason: expect.stringMatching(/^Degraded/) });
  });

  test('a failed PostSync hook rolls back too', () => {
    const s = degraded({
      health: { status: 'Healthy' },
      operation: { ...degraded().operation!, phase: 'Failed' },
    });
    const run: SyncRun = {
      app: 'web',
      id: 2,
      revision: bad,
      reason: 'webhook',
      phase: 'Failed',
      startedAt: '',
      results: [
        {
          ref: { group: 'batch', version: 'v1', kind: 'Job', namespace: 'web', name: 'smoke' },
          action: 'failed',
          hookPhase: 'PostSync',
          message: 'smoke test failed',
        },
      ],
    };
    expect(decideAutoRollback(app(), s, false, run, now)?.reason).toBe(
      'PostSync hook failed: smoke test failed',
    );
    // A failed Sync-phase object is not a PostSync failure.
    const other = { ...run, results: [{ ...run.results[0]!, hookPhase: undefined }] };
    expect(decideAutoRollback(app(), s, false, other, now)).toBeUndefined();
  });

  test.each<[string, App, AppStatus, boolean]>([
    ['without the annotation', app({ annotations: {} }), degraded(), false],
    [
      'with an invalid annotation',
      app({ annotations: { 'gitferry.dev/auto-rollback': '$(id)' } }),
      degraded(),
      false,
    ],
    ['while an operation runs', app(), degraded(), true],
    [
      'when pinned (a manual or an earlier automatic rollback)',
      app({ pinnedRevision: good }),
      degraded(),
      false,
    ],
    ['outside the window', app({ annotations: { 'gitferry.dev/auto-rollback': '4m' } }), degraded(), false],
    [
      'a second time from the same revision',
      app(),
      degraded({ autoRollback: { from: bad, to: good, at: '', reason: '' } }),
      false,
    ],
    ['when Healthy', app(), degraded({ health: { status: 'Healthy' } }), false],
    ['when Progressing', app(), degraded({ health: { status: 'Progressing' } }), false],
    [
      'when Degraded at a revision other than the synced one',
      app(),
      degraded({ sync: { status: 'Synced', revision: good } }),
      false,
    ],
  ])('never %s', (_, a, s, running) => {
    expect(decideAutoRollback(a, s, running, undefined, now)).toBeUndefined();
  });
});

describe('withHealthyRecord', () => {
  const healthy = (rev: string, over: Partial<AppStatus> = {}): AppStatus => ({
    app: 'web',
    sync: { status: 'Synced', revision: rev },
    health: { status: 'Healthy' },
    resources: [],
    ...over,
  });

  test('a new Healthy revision starts a streak and heads the list (bounded, no duplicates)', () => {
    const s = healthy(bad, { healthyRevisions: [good, ...Array.from({ length: 12 }, (_, i) => String(i))] });
    const r = withHealthyRecord(s, false, now)!;
    expect(r.healthy).toEqual({ revision: bad, since: '2026-12-01T12:00:00.000Z' });
    expect(r.healthyRevisions?.slice(0, 2)).toEqual([bad, good]);
    expect(r.healthyRevisions).toHaveLength(10);
    expect(withHealthyRecord(r, false, now + 1000)).toBeUndefined();
  });

  test('the streak ends when health, sync or a running operation says so; nothing written otherwise', () => {
    const on = withHealthyRecord(healthy(good), false, now)!;
    expect(withHealthyRecord({ ...on, health: { status: 'Degraded' } }, false, now)?.healthy).toBeUndefined();
    expect(
      withHealthyRecord({ ...on, sync: { status: 'OutOfSync', revision: good } }, false, now)?.healthy,
    ).toBeUndefined();
    expect(withHealthyRecord(on, true, now)?.healthy).toBeUndefined();
    expect(
      withHealthyRecord(healthy(good, { health: { status: 'Progressing' } }), false, now),
    ).toBeUndefined();
  });
});

test('the history of a rollback or a promotion says why it ran', () => {
  const s = degraded({ autoRollback: { from: bad, to: good, at: '', reason: 'Degraded: x' } });
  expect(runReasonNote('rollback', app(), s)).toBe(
    `automatic rollback from ${bad.slice(0, 12)} (Degraded: x)`,
  );
  const stage = app({ annotations: { 'gitferry.dev/promote-after': 'staging' } });
  expect(runReasonNote('promote', stage, undefined)).toBe('promoted after staging');
  expect(runReasonNote('webhook', stage, s)).toBeUndefined();
});
