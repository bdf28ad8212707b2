// What the status says after a comparison versus after a sync, the app-level health message, and
// the spec fingerprint that lets a saved app be synced after an operation that ran on its old copy.
import type { App } from '../../../shared/domain/app.js';
import type { ChangeSetEntry } from '../../../shared/domain/change-set.js';
import type { ObjectRef } from '../../../shared/domain/kube-object.js';
import { resourceStatuses, withBoundedDiffs } from '../../../shared/control/app-status.js';
import { decideWakeUp } from '../../../shared/control/decide.js';
import { operationApp, specFingerprintOf } from '../../../shared/control/operation-spec.js';
import { appLevelHealth } from '../../../shared/engine/assess.js';

const ref = (kind: string, name: string): ObjectRef => ({
  group: '',
  version: 'v1',
  kind,
  namespace: 'web',
  name,
});
const results: ChangeSetEntry[] = [
  { ref: ref('ConfigMap', 'same'), action: 'unchanged' },
  { ref: ref('ConfigMap', 'new'), action: 'created' },
  { ref: ref('ConfigMap', 'edited'), action: 'configured' },
  { ref: ref('ConfigMap', 'gone'), action: 'pruned' },
  { ref: ref('Secret', 'kept'), action: 'skipped', message: 'Secret/web/kept: Prune=false' },
  { ref: ref('Job', 'hook'), action: 'created', hookPhase: 'PreSync' },
];

const app = (path: string, extra: Partial<App> = {}): App => ({
  name: 'web',
  project: 'default',
  sources: [{ repoURL: 'https://git.example.com/web', path, targetRevision: 'main' }],
  destination: { name: 'prod', namespace: 'web' },
  syncPolicy: { automated: { prune: true } },
  ignoreDifferences: [],
  revisionHistoryLimit: 10,
  annotations: {},
  ...extra,
});

describe('status rows', () => {
  test('after a comparison only unchanged objects are Synced; the rest say what a sync would do', () => {
    expect(resourceStatuses(results, undefined, { compared: true })).toEqual([
      { ref: ref('ConfigMap', 'same'), status: 'Synced', health: undefined, message: undefined },
      {
        ref: ref('ConfigMap', 'new'),
        status: 'OutOfSync',
        health: undefined,
        message: 'missing: requires create',
      },
      {
        ref: ref('ConfigMap', 'edited'),
        status: 'OutOfSync',
        health: undefined,
        message: 'differs from Git: requires configure',
      },
      {
        ref: ref('ConfigMap', 'gone'),
        status: 'OutOfSync',
        health: undefined,
        message: 'not in Git: would prune',
      },
      {
        ref: ref('Secret', 'kept'),
        status: 'OutOfSync',
        health: undefined,
        message: 'Secret/web/kept: Prune=false',
      },
    ]);
  });

  test('after a sync what was created or configured is Synced', () => {
    expect(resourceStatuses(results, undefined).map((r) => [r.ref.name, r.status])).toEqual([
      ['same', 'Synced'],
      ['new', 'Synced'],
      ['edited', 'Synced'],
      ['gone', 'OutOfSync'],
      ['kept', 'OutOfSync'],
    ]);
  });
});

describe('history entries', () => {
  test('keep diffs in order up to their budget; later ones say they were left out', () => {
    const big = (name: string): ChangeSetEntry => ({
      ref: ref('ConfigMap', name),
      action: 'created',
      diff: 'x'.repeat(600),
    });
    const kept = withBoundedDiffs(
      [big('a'), { ref: ref('ConfigMap', 'b'), action: 'unchanged' }, big('c'), big('d')],
      1300,
    );
    expect(kept.map((r) => r.diff?.length ?? 0)).toEqual([600, 0, 600, expect.any(Number)]);
    expect(kept[3]!.diff).toBe("… diff not kept (this run's diffs exceed 1 KiB)\n");
  });
});

describe('app-level health', () => {
  test('Healthy carries no resource message (never "CRD is healthy")', () => {
    expect(
      appLevelHealth([
        {
          ref: ref('CustomResourceDefinition', 'widgets'),
          health: { status: 'Healthy', message: 'CRD is healthy' },
        },
        { ref: ref('ConfigMap', 'plain') },
      ]),
    ).toEqual({ status: 'Healthy' });
  });

  test('otherwise it names the object that makes it so', () => {
    expect(
      appLevelHealth([
        { ref: ref('ConfigMap', 'ok'), health: { status: 'Healthy' } },
        { ref: ref('Deployment', 'web'), health: { status: 'Progressing', message: 'Waiting for rollout' } },
        { ref: ref('Service', 'db'), health: { status: 'Missing' } },
      ]),
    ).toEqual({ status: 'Missing', message: 'Service/web/db is Missing' });
  });
});

describe('the spec an operation ran', () => {
  test('sources and destination make the fingerprint; key order and sync policy do not', () => {
    const a = app('v1');
    const reordered = { ...a, destination: { namespace: 'web', name: 'prod' } };
    expect(specFingerprintOf(reordered)).toBe(specFingerprintOf(a));
    expect(specFingerprintOf(app('v1', { syncPolicy: {} }))).toBe(specFingerprintOf(a));
    expect(specFingerprintOf(app('v2'))).not.toBe(specFingerprintOf(a));
    expect(specFingerprintOf(app('v1', { destination: { name: 'prod', namespace: 'other' } }))).not.toBe(
      specFingerprintOf(a),
    );
  });

  test('a running operation works on its copy; one stored before copies existed on the app', () => {
    expect(operationApp(app('v2'), app('v1')).sources[0]!.path).toBe('v1');
    expect(operationApp(app('v2'), undefined).sources[0]!.path).toBe('v2');
  });

  test('an automated app whose spec moved since its last operation syncs, at the same revision', () => {
    const revision = 'a'.repeat(40);
    const facts = (current: App) => ({
      job: { app: 'web', reason: 'refresh' as const, requestedAt: 1 },
      app: current,
      request: undefined,
      operation: undefined,
      revision,
      status: {
        app: 'web',
        sync: { status: 'Synced' as const, revision },
        health: { status: 'Healthy' as const },
        resources: [],
        operation: { phase: 'Succeeded' as const, startedAt: '', spec: specFingerprintOf(app('v1')) },
      },
    });
    expect(decideWakeUp(facts(app('v1')))).toBe('refresh');
    expect(decideWakeUp(facts(app('v2')))).toBe('start-sync');
    // A manual app is only compared, as before.
    expect(decideWakeUp(facts(app('v2', { syncPolicy: {} })))).toBe('refresh');
  });
});
