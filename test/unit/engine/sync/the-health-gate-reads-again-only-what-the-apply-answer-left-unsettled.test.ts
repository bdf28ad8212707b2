import { refKey, type KubeObject, type ObjectRef } from '../../../../shared/domain/kube-object.js';
import { assessHealth } from '../../../../shared/engine/health.js';
import { prepareObjects } from '../../../../shared/engine/prepare.js';
import { stepSync, type ResourceVerbs } from '../../../../shared/engine/sync-operation.js';
import { fakeDiscovery } from '../fake-discovery.js';
import { objectWith } from '../fixtures.js';

/**
 * A cluster stand-in: applies answer with the object as given (a Deployment without status, as
 * the apiserver answers a create), later reads answer with the Deployment rolled out. Records
 * every object the health gate reads.
 */
function fakeCluster(reads: string[]): ResourceVerbs {
  const { discovery } = fakeDiscovery();
  const rolledOut = (obj: KubeObject): KubeObject =>
    obj.kind === 'Deployment'
      ? {
          ...obj,
          metadata: { ...obj.metadata, generation: 1 },
          spec: { replicas: 0 },
          status: { observedGeneration: 1, replicas: 0, conditions: [] },
        }
      : obj;
  const written = new Map<string, KubeObject>();
  return {
    discovery,
    prepare: (desired, opts) => prepareObjects(desired, discovery, opts),
    assessHealth: async (live) => assessHealth(live),
    plan: async (set) => ({
      objects: set.resources.map((p) => ({
        key: p.key,
        ref: p.ref,
        wave: Number(p.object.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0),
        action: 'create' as const,
      })),
      prune: [],
      errors: [],
      warnings: [],
    }),
    apply: async (_info, obj) => {
      written.set(obj.metadata.name, obj);
      return { ...obj, metadata: { ...obj.metadata, generation: 1 } };
    },
    create: async (_info, obj) => obj,
    get: async () => undefined,
    getMany: async (refs: ObjectRef[]) => {
      reads.push(...refs.map((r) => `${r.kind}/${r.name}`));
      return new Map(
        refs.map((r) => {
          const obj = written.get(r.name);
          return [refKey(r), obj && rolledOut(obj)] as const;
        }),
      );
    },
    delete: async () => false,
    removeFinalizers: async () => undefined,
    list: async () => [],
  };
}

test("the gate after a wave reads again only what the apply's answer left unsettled: a Deployment not yet observed, not a Service or ConfigMap", async () => {
  const reads: string[] = [];
  const desired = [
    objectWith('ConfigMap', {}, { name: 'settings' }),
    objectWith('Service', {}, { name: 'front' }),
    {
      ...objectWith('Deployment', {}, { apiVersion: 'apps/v1', name: 'web' }),
      spec: { replicas: 0, selector: { matchLabels: { app: 'web' } } },
    },
    // A later wave: wave 0 is gated on health before it.
    objectWith('ConfigMap', { 'argocd.argoproj.io/sync-wave': '1' }, { name: 'after' }),
  ].map((object) => ({ object }));

  const { state } = await stepSync(fakeCluster(reads), { desired, inventory: [] });

  expect(reads).toEqual(['Deployment/web']);
  expect(state.phase).toBe('Succeeded');
  const deployment = state.results.find((r) => r.ref.kind === 'Deployment');
  expect(deployment?.health?.status).toBe('Healthy');
});
