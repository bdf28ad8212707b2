import { runSync, type SyncState } from '../../../shared/engine/sync-operation.js';
import type { ResourceManager } from '../../../shared/engine/resource-manager.js';
import type { KubeObject } from '../../../shared/domain/kube-object.js';
import type { DesiredObject } from '../../../shared/engine/prepare.js';
import { testbedResourceManager } from '../../support/engine.js';
import { kubectl, uniqueName } from '../../support/testbed.js';

const cm = (name: string, namespace: string, wave = 0): DesiredObject => ({
  object: {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace, annotations: { 'argocd.argoproj.io/sync-wave': String(wave) } },
    data: { k: name },
  } as KubeObject,
});
const namespace = (name: string): DesiredObject => ({
  object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } as KubeObject,
});

describe('prunes that could lose data', () => {
  let rm: ResourceManager;
  const namespaces: string[] = [];
  beforeAll(async () => (rm = await testbedResourceManager()));
  afterAll(async () => {
    rm.close();
    for (const ns of namespaces)
      await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
  });
  const exists = async (kind: string, name: string, ns?: string) =>
    (
      await kubectl(['get', kind, name, ...(ns ? ['-n', ns] : []), '--ignore-not-found', '-o', 'name'])
    ).trim() !== '';
  const sync = (desired: DesiredObject[], inventory: SyncState['inventory'], opts = {}) =>
    runSync(rm, {
      desired,
      inventory,
      options: { appName: 'data', prune: true, pollIntervalMs: 200, ...opts },
    });

  test('a Namespace leaving Git is held until a person confirms the prune', async () => {
    const ns = uniqueName('eng-held-ns');
    const keep = uniqueName('eng-keep-ns');
    namespaces.push(ns, keep);
    const first = await sync([namespace(ns), namespace(keep), cm('settings', keep)], []);
    expect(first.phase).toBe('Succeeded');

    const held = await sync([namespace(keep), cm('settings', keep)], first.inventory);
    expect(held.phase).toBe('Succeeded');
    expect(held.results.find((r) => r.ref.name === ns)).toMatchObject({
      action: 'skipped',
      message: `Namespace/${ns}: held for confirmation (Namespace prunes take data with them); run a manual sync with prune to delete it`,
    });
    expect(await exists('namespace', ns)).toBe(true);

    const confirmed = await sync([namespace(keep), cm('settings', keep)], held.inventory, {
      confirmPrune: true,
    });
    expect(confirmed.results.find((r) => r.ref.name === ns)?.action).toBe('pruned');
    const phase = (
      await kubectl(['get', 'namespace', ns, '--ignore-not-found', '-o', 'jsonpath={.status.phase}'])
    ).trim();
    expect(['', 'Terminating']).toContain(phase);
  });

  test('a render that drops most of a large app prunes nothing until confirmed', async () => {
    const ns = uniqueName('eng-mass');
    namespaces.push(ns);
    await kubectl(['create', 'namespace', ns]);
    const all = Array.from({ length: 14 }, (_, i) => cm(`cm-${i}`, ns));
    const first = await sync(all, []);
    const mostGone = await sync(all.slice(0, 2), first.inventory);
    const skipped = mostGone.results.filter((r) => r.action === 'skipped');
    expect(skipped).toHaveLength(12);
    expect(skipped[0]?.message).toMatch(/held for confirmation \(this sync would prune 12 of 14 objects\)/);
    expect(await exists('configmap', 'cm-13', ns)).toBe(true);
  });

  test('PruneLast deletes after every wave is applied; Background propagation is used when asked', async () => {
    const ns = uniqueName('eng-prunelast');
    namespaces.push(ns);
    await kubectl(['create', 'namespace', ns]);
    const first = await sync([cm('old', ns, 0), cm('a', ns, 0)], []);
    const second = await sync([cm('a', ns, 0), cm('late', ns, 5)], first.inventory, {
      pruneLast: true,
      propagationPolicy: 'Background',
    });
    expect(second.results.map((r) => `${r.ref.name}:${r.action}`)).toEqual([
      'a:unchanged',
      'late:created',
      'old:pruned',
    ]);
    expect(await exists('configmap', 'old', ns)).toBe(false);

    const third = await sync([cm('a', ns, 0), cm('later', ns, 5)], second.inventory);
    // Without PruneLast the prune runs in the pruned object's own wave (5 here), after that wave's applies.
    expect(third.results.map((r) => `${r.ref.name}:${r.action}`)).toEqual([
      'a:unchanged',
      'later:created',
      'late:pruned',
    ]);
  });
});
