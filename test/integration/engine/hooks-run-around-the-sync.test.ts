import { runSync, type SyncState } from '../../../shared/engine/sync-operation.js';
import type { KubeObject } from '../../../shared/domain/kube-object.js';
import { testbedMarkers } from '../../testbed/components/kwok.js';
import { engineNamespace } from '../../support/engine.js';
import { kubectl } from '../../support/testbed.js';

const hookJob = (
  name: string,
  hook: string,
  annotations: Record<string, string> = {},
  podAnnotations: Record<string, string> = {},
): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, annotations: { 'argocd.argoproj.io/hook': hook, ...annotations } },
  spec: {
    backoffLimit: 0,
    template: {
      metadata: { annotations: podAnnotations },
      spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'registry.invalid/migrate:1' }] },
    },
  },
});
const cm = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name },
  data: { k: 'v' },
});

describe('resource hooks', () => {
  const bed = engineNamespace('eng-hooks');
  const { ns } = bed;

  const jobNames = async () =>
    (await kubectl(['get', 'jobs', '-n', ns, '-o', 'name'])).trim().split('\n').filter(Boolean).sort();
  const sequence = (s: SyncState) =>
    s.results.map((r) => `${r.hookPhase ?? 'resource'}:${r.ref.name}:${r.action}`);

  test('runs PreSync to completion before applying, PostSync after, and deletes hooks by their delete policy', async () => {
    const desired = [
      hookJob('migrate', 'PreSync'),
      cm('app-config'),
      hookJob('smoke-test', 'PostSync', { 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded' }),
    ].map((object) => ({ object }));
    const state = await runSync(bed.rm, {
      desired,
      inventory: [],
      options: { destinationNamespace: ns, pollIntervalMs: 200 },
    });
    expect(state.phase).toBe('Succeeded');
    expect(sequence(state)).toEqual([
      'PreSync:migrate:created',
      'resource:app-config:created',
      'PostSync:smoke-test:created',
    ]);
    // migrate keeps its Job (BeforeHookCreation is the default); smoke-test was deleted on success.
    expect(await jobNames()).toEqual(['job.batch/migrate']);
    // Hooks are not part of the app's inventory: they are never pruned, their policy deletes them.
    expect(state.inventory.map((r) => r.name)).toEqual(['app-config']);

    // Second sync: the previous PreSync Job is deleted before the hook is created again.
    const again = await runSync(bed.rm, {
      desired,
      inventory: state.inventory,
      options: { destinationNamespace: ns, pollIntervalMs: 200 },
    });
    expect(again.phase).toBe('Succeeded');
    expect(sequence(again)).toEqual([
      'PreSync:migrate:created',
      'resource:app-config:unchanged',
      'PostSync:smoke-test:created',
    ]);
  });

  test('a failing PreSync hook stops the sync before anything is applied and runs the SyncFail hook', async () => {
    const desired = [
      hookJob('bad-migrate', 'PreSync', {}, { [testbedMarkers.fail]: 'true' }),
      cm('never-applied'),
      hookJob('notify-failure', 'SyncFail'),
    ].map((object) => ({ object }));
    const state = await runSync(bed.rm, {
      desired,
      inventory: [],
      options: { destinationNamespace: ns, pollIntervalMs: 200 },
    });
    expect(state.phase).toBe('Failed');
    expect(state.message).toMatch(new RegExp(`^PreSync hook failed: Job/${ns}/bad-migrate`));
    expect(sequence(state)).toEqual(['PreSync:bad-migrate:failed', 'SyncFail:notify-failure:created']);
    expect(
      (
        await kubectl(['get', 'configmap', '-n', ns, '--ignore-not-found', 'never-applied', '-o', 'name'])
      ).trim(),
    ).toBe('');
  });
});
