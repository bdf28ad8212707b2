import {
  refKey,
  refOf,
  type InventoryEntry,
  type KubeObject,
} from '../../../../shared/domain/kube-object.js';
import { resourcePath } from '../../../../shared/engine/discovery.js';
import { KubeApiError } from '../../../../shared/engine/errors.js';
import type { KubeClient } from '../../../../shared/engine/kube-client.js';
import { planPrune } from '../../../../shared/engine/prune.js';
import { defaultPlanOptions, type PlanOptions } from '../../../../shared/engine/sync-options.js';
import type { PlanContext, PlannedPrune } from '../../../../shared/engine/sync-types.js';
import { fakeDiscovery, knownKinds } from '../fake-discovery.js';
import { objectWith } from '../fixtures.js';
import { appName, liveObjects } from './support.js';

/** A cluster holding `live`: GETs answer from it, anything else is a 404. */
function clusterWith(live: KubeObject[]): PlanContext {
  const byPath = new Map<string, KubeObject>();
  for (const obj of live) {
    const ref = refOf(obj);
    const info = knownKinds.find((k) => k.group === ref.group && k.kind === ref.kind)!;
    byPath.set(resourcePath(info, ref.namespace, ref.name), obj);
  }
  const client = {
    request: async ({ path }: { path: string }) => {
      const body = byPath.get(path);
      if (!body) throw new KubeApiError(`${path} not found`, 404, { reason: 'NotFound', code: 404 });
      return { status: 200, body, warnings: [] };
    },
  };
  return { client: client as unknown as KubeClient, discovery: fakeDiscovery().discovery, run: (fn) => fn() };
}

const widget: InventoryEntry = {
  group: 'example.com',
  version: 'v1',
  kind: 'Widget',
  namespace: 'team-a',
  name: 'blue',
};
const gone: InventoryEntry = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  namespace: 'team-a',
  name: 'gone',
};

function plan(
  live: KubeObject[],
  inventory: InventoryEntry[],
  opts: Partial<PlanOptions> = {},
): Promise<PlannedPrune[]> {
  return planPrune(
    clusterWith(live),
    { resources: [], hooks: [] },
    {
      ...defaultPlanOptions,
      appName,
      prune: true,
      inventory,
      ...opts,
    },
  ).then((out) => out.sort((a, b) => a.key.localeCompare(b.key)));
}

const summary = (p: PlannedPrune) => [p.ref.name, p.action, p.wave, p.heldBy ?? '', p.reason ?? ''];

describe('planPrune', () => {
  const live = [...liveObjects().values()];
  const inventory = [...live.map(refOf), widget, gone];

  test('held candidates are skipped with "<ref>: <reason>" and the filter that held them; gone and going ones leave the inventory without a delete', async () => {
    const planned = await plan(live, inventory);
    expect(planned.filter((p) => p.gone).map((p) => p.ref.name)).toEqual(['going', 'gone']);
    expect(planned.filter((p) => !p.gone).map(summary)).toEqual([
      ['adopted', 'skip', 0, 'other-owner', 'ConfigMap/team-a/adopted: now managed by app other-app'],
      ['odd-wave', 'prune', 0, '', ''],
      ['plain', 'prune', 3, '', ''],
      ['precious', 'skip', 0, 'prune-disabled', 'ConfigMap/team-a/precious: Prune=false'],
      ['untracked', 'prune', 0, '', ''],
      [
        'team-a',
        'skip',
        0,
        'data-bearing-kind',
        'Namespace/team-a: held for confirmation (Namespace prunes take data with them); run a manual sync with prune to delete it',
      ],
      [
        'widgets.example.com',
        'skip',
        0,
        'data-bearing-kind',
        'CustomResourceDefinition/widgets.example.com: held for confirmation (CustomResourceDefinition prunes take data with them); run a manual sync with prune to delete it',
      ],
      [
        'blue',
        'skip',
        0,
        'kind-not-served',
        'Widget/team-a/blue: kind no longer served by the cluster; nothing to prune',
      ],
    ]);
  });

  test("a confirmed prune releases the data-bearing kinds, never Prune=false nor another app's object", async () => {
    const held = (await plan(live, inventory, { confirmPrune: true })).filter((p) => p.action === 'skip');

    expect(held.map((p) => p.heldBy)).toEqual(['other-owner', 'prune-disabled', 'kind-not-served']);
  });

  test('objects still desired are never candidates', async () => {
    const plain = liveObjects().get('plain')!;
    const desired = { object: plain, ref: refOf(plain), key: refKey(refOf(plain)), hookTypes: [] };

    const out = await planPrune(
      clusterWith(live),
      { resources: [desired], hooks: [] },
      {
        ...defaultPlanOptions,
        appName,
        inventory: [refOf(plain)],
      },
    );

    expect(out).toEqual([]);
  });

  test('a render that drops most of a large app: every prune is held by mass-prune, the others keep their own filter', async () => {
    const many = Array.from({ length: 12 }, (_, i) => objectWith('ConfigMap', {}, { name: `cm-${i}` }));
    const precious = liveObjects().get('precious')!;

    const out = await plan([...many, precious], [...many, precious].map(refOf));

    expect(out.filter((p) => p.heldBy === 'mass-prune')).toHaveLength(12);
    expect(out.find((p) => p.ref.name === 'cm-0')!.reason).toBe(
      'ConfigMap/team-a/cm-0: held for confirmation (this sync would prune 12 of 13 objects); run a manual sync with prune to delete them',
    );
    expect(out.find((p) => p.ref.name === 'precious')!.heldBy).toBe('prune-disabled');
    expect(out.every((p) => p.action === 'skip')).toBe(true);
  });
});
