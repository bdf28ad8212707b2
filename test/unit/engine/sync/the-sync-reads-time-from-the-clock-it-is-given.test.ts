import { refKey, refOf } from '../../../../shared/domain/kube-object.js';
import { assessHealth } from '../../../../shared/engine/health.js';
import { newSyncState, stepSync, type ResourceVerbs } from '../../../../shared/engine/sync-operation.js';
import type { Clock } from '../../../../shared/ports/clock.js';
import { fakeDiscovery, knownKinds } from '../fake-discovery.js';
import { objectWith } from '../fixtures.js';

/** A cluster stand-in whose plan creates one ConfigMap and whose writes echo what they are given. */
function fakeCluster(): ResourceVerbs {
  const object = objectWith('ConfigMap', {}, { name: 'settings' });
  const ref = refOf(object);
  const key = refKey(ref);
  return {
    discovery: fakeDiscovery().discovery,
    assessHealth: async (live) => assessHealth(live),
    prepare: async () => ({
      resources: [{ object, ref, key, hookTypes: [], info: knownKinds[0] }],
      hooks: [],
    }),
    plan: async () => ({
      objects: [{ key, ref, wave: 0, action: 'create' }],
      prune: [],
      errors: [],
      warnings: [],
    }),
    apply: async (_info, obj) => obj,
    create: async (_info, obj) => obj,
    get: async () => undefined,
    getMany: async (refs) => new Map(refs.map((r) => [refKey(r), undefined])),
    delete: async () => false,
    removeFinalizers: async () => undefined,
    list: async () => [],
  };
}

const t0 = Date.parse('2030-01-01T00:00:00Z');
const fixedAt = (now: number): Clock => ({ now: () => now });
const input = { desired: [], inventory: [] };

describe('stepSync and the clock', () => {
  test('a new sync is dated by the clock it is given, and so is its end', async () => {
    const { state } = await stepSync(
      fakeCluster(),
      { ...input, options: { dryRun: true } },
      undefined,
      fixedAt(t0),
    );

    expect(state.phase).toBe('Succeeded');
    expect(state.startedAt).toBe('2030-01-01T00:00:00.000Z');
    expect(state.finishedAt).toBe('2030-01-01T00:00:00.000Z');
  });

  test('the deadline is counted on the clock: one ms past it, a stored sync fails at once; at it, the sync goes on', async () => {
    const stored = {
      ...newSyncState([], t0),
      tasks: [{ kind: 'plan' as const }, { kind: 'healthy' as const, wave: 'all' as const }],
      cursor: 1,
      waitingFor: 'Deployment/team-a/web is Progressing',
    };
    const timeoutMs = 10 * 60_000;

    const late = await stepSync(fakeCluster(), input, stored, fixedAt(t0 + timeoutMs + 1));
    const onTime = await stepSync(fakeCluster(), input, stored, fixedAt(t0 + timeoutMs));

    expect(late.state.phase).toBe('Failed');
    expect(late.state.message).toBe(
      'sync timed out after 600 s waiting for Deployment/team-a/web is Progressing',
    );
    expect(late.state.finishedAt).toBe(new Date(t0 + timeoutMs + 1).toISOString());
    expect(onTime.state.phase).toBe('Succeeded');
  });

  test('the step budget is counted on the clock: a step that used it up returns to be continued at once', async () => {
    let now = t0;
    const minutePerReading: Clock = { now: () => (now += 61_000) };

    const { state, nextStepInMs } = await stepSync(fakeCluster(), input, undefined, minutePerReading);

    expect(nextStepInMs).toBe(0);
    expect(state.tasks.map((t) => t.kind)).toEqual(['plan', 'apply']);
    expect(state.cursor).toBe(1);
    expect(state.results).toEqual([]);
  });
});
