import { refKey, type KubeObject, type ObjectRef } from '../../../../shared/domain/kube-object.js';
import { assessHealth } from '../../../../shared/engine/health.js';
import { prepareObjects } from '../../../../shared/engine/prepare.js';
import { stepSync, type ResourceVerbs, type SyncState } from '../../../../shared/engine/sync-operation.js';
import { fakeDiscovery, knownKinds } from '../fake-discovery.js';
import { objectWith } from '../fixtures.js';

const serviceAccount = {
  group: '',
  version: 'v1',
  kind: 'ServiceAccount',
  resource: 'serviceaccounts',
  namespaced: true,
  verbs: ['create', 'delete', 'get', 'patch'],
};
const hookAnnotations = {
  'helm.sh/hook': 'pre-install',
  'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded',
};

/**
 * A cluster stand-in that logs every write: a Job completes on its third read; everything else
 * has no health (done at once, as a ServiceAccount is).
 */
function fakeCluster(log: string[]): ResourceVerbs {
  const { discovery } = fakeDiscovery([...knownKinds, serviceAccount]);
  const live = new Map<string, KubeObject>();
  const reads = new Map<string, number>();
  const get = async (ref: ObjectRef) => {
    const key = `${ref.kind}/${ref.name}`;
    const obj = live.get(key);
    if (!obj || obj.kind !== 'Job') return obj;
    const n = (reads.get(key) ?? 0) + 1;
    reads.set(key, n);
    if (n < 3) return obj;
    const end = obj.metadata.name.startsWith('bad-') ? 'Failed' : 'Complete';
    return { ...obj, status: { conditions: [{ type: end, status: 'True', message: `Job ${end}` }] } };
  };
  return {
    discovery,
    prepare: (desired, opts) => prepareObjects(desired, discovery, opts),
    assessHealth: async (obj) => assessHealth(obj),
    plan: async (set) => ({
      objects: set.resources.map((p) => ({ key: p.key, ref: p.ref, wave: 0, action: 'create' as const })),
      prune: [],
      errors: [],
      warnings: [],
    }),
    apply: async (_info, obj) => {
      log.push(`apply ${obj.kind}/${obj.metadata.name}`);
      live.set(`${obj.kind}/${obj.metadata.name}`, obj);
      return obj;
    },
    create: async (_info, obj) => obj,
    get,
    getMany: async (refs) =>
      new Map(await Promise.all(refs.map(async (r) => [refKey(r), await get(r)] as const))),
    delete: async (ref) => {
      log.push(`delete ${ref.kind}/${ref.name}`);
      return live.delete(`${ref.kind}/${ref.name}`);
    },
    removeFinalizers: async (ref) => live.get(`${ref.kind}/${ref.name}`),
    list: async () => [],
  };
}

test('a hook-succeeded ServiceAccount is deleted only after the hook Job of its phase has ended, never while it runs', async () => {
  const log: string[] = [];
  const rm = fakeCluster(log);
  const desired = [
    objectWith('ServiceAccount', hookAnnotations, { name: 'admission' }),
    objectWith('Job', hookAnnotations, { name: 'admission-create', apiVersion: 'batch/v1' }),
    objectWith('ConfigMap', {}, { name: 'settings' }),
  ].map((object) => ({ object }));
  let result = await stepSync(rm, { desired, inventory: [], options: { destinationNamespace: 'team-a' } });
  const seen: SyncState[] = [];
  while (result.nextStepInMs !== undefined) {
    seen.push(result.state);
    result = await stepSync(
      rm,
      { desired, inventory: [], options: { destinationNamespace: 'team-a' } },
      result.state,
    );
  }

  expect(result.state.phase).toBe('Succeeded');
  // While the Job ran (two reads without Complete), nothing was deleted.
  expect(seen.map((s) => s.waitingFor)).toEqual([
    'Job/team-a/admission-create (PreSync hook)',
    'Job/team-a/admission-create (PreSync hook)',
  ]);
  expect(log).toEqual([
    'apply ServiceAccount/admission',
    'apply Job/admission-create',
    // Both ended: the phase is over, now its hook-succeeded hooks go.
    'delete ServiceAccount/admission',
    'delete Job/admission-create',
    'apply ConfigMap/settings',
  ]);
});

test('when a hook of the phase fails, every hook of it is waited for, then each goes by its own outcome and policy, before SyncFail runs', async () => {
  const log: string[] = [];
  const rm = fakeCluster(log);
  const onSuccess = {
    'argocd.argoproj.io/hook': 'PreSync',
    'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded',
  };
  const onFailure = {
    'argocd.argoproj.io/hook': 'PreSync',
    'argocd.argoproj.io/hook-delete-policy': 'HookFailed',
  };
  const desired = [
    objectWith('Job', onSuccess, { name: 'good-migrate', apiVersion: 'batch/v1' }),
    objectWith('Job', onFailure, { name: 'bad-migrate', apiVersion: 'batch/v1' }),
    // Kept whatever happens: its policy matches neither outcome.
    objectWith('Job', onSuccess, { name: 'bad-seed', apiVersion: 'batch/v1' }),
    objectWith('Job', { 'argocd.argoproj.io/hook': 'SyncFail' }, { name: 'notify', apiVersion: 'batch/v1' }),
    objectWith('ConfigMap', {}, { name: 'settings' }),
  ].map((object) => ({ object }));
  const input = { desired, inventory: [], options: { destinationNamespace: 'team-a' } };
  let result = await stepSync(rm, input);
  while (result.nextStepInMs !== undefined) result = await stepSync(rm, input, result.state);

  expect(result.state.phase).toBe('Failed');
  expect(result.state.message).toBe(
    'PreSync hook failed: Job/team-a/bad-migrate: Job Failed; Job/team-a/bad-seed: Job Failed',
  );
  expect(log).toEqual([
    'apply Job/bad-migrate',
    'apply Job/bad-seed',
    'apply Job/good-migrate',
    // All three ended: the failed one with HookFailed and the succeeded one with HookSucceeded go.
    'delete Job/bad-migrate',
    'delete Job/good-migrate',
    'apply Job/notify',
  ]);
  expect(result.state.hooks.map((h) => [h.ref.name, h.status, h.settled])).toEqual([
    ['bad-migrate', 'Failed', true],
    ['bad-seed', 'Failed', true],
    ['good-migrate', 'Succeeded', true],
    ['notify', 'Succeeded', true],
  ]);
});
