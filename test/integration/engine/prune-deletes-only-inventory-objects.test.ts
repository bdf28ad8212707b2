import { runSync, type SyncState } from '../../../shared/engine/sync-operation.js';
import { formatRef, type KubeObject } from '../../../shared/domain/kube-object.js';
import type { DesiredObject } from '../../../shared/engine/prepare.js';
import { engineNamespace } from '../../support/engine.js';
import { kubectl } from '../../support/testbed.js';

const cm = (name: string, annotations: Record<string, string> = {}): DesiredObject => ({
  object: {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, annotations },
    data: { k: name },
  } as KubeObject,
});

describe('pruning', () => {
  const bed = engineNamespace('eng-prune');
  const { ns } = bed;

  const exists = async (name: string) =>
    (await kubectl(['get', 'configmap', '-n', ns, '--ignore-not-found', name, '-o', 'name'])).trim() !== '';
  const sync = (desired: DesiredObject[], inventory: SyncState['inventory'], opts = {}) =>
    runSync(bed.rm, {
      desired,
      inventory,
      options: { destinationNamespace: ns, appName: 'shop', prune: true, pollIntervalMs: 200, ...opts },
    });

  test('deletes objects removed from Git, keeps Prune=false ones, and never touches objects outside the inventory', async () => {
    const first = await sync(
      [cm('keep'), cm('remove-me'), cm('precious', { 'argocd.argoproj.io/sync-options': 'Prune=false' })],
      [],
    );
    expect(first.phase).toBe('Succeeded');
    // An object that looks like ours (same tracking annotation) but was never applied by this app.
    await kubectl(
      ['apply', '--server-side', '--field-manager=someone', '-f', '-'],
      JSON.stringify({
        ...cm('stranger', { 'gitferry.dev/app': 'shop' }).object,
        metadata: { name: 'stranger', namespace: ns, annotations: { 'gitferry.dev/app': 'shop' } },
      }),
    );

    const second = await sync([cm('keep')], first.inventory);
    expect(second.phase).toBe('Succeeded');
    const byRef = Object.fromEntries(second.results.map((r) => [formatRef(r.ref), r]));
    expect(byRef[`ConfigMap/${ns}/remove-me`]?.action).toBe('pruned');
    expect(byRef[`ConfigMap/${ns}/precious`]).toMatchObject({
      action: 'skipped',
      message: `ConfigMap/${ns}/precious: Prune=false`,
    });
    expect(byRef[`ConfigMap/${ns}/stranger`]).toBeUndefined();
    expect(await exists('remove-me')).toBe(false);
    expect(await exists('precious')).toBe(true);
    expect(await exists('stranger')).toBe(true);
    expect(second.inventory.map(formatRef).sort()).toEqual([
      `ConfigMap/${ns}/keep`,
      `ConfigMap/${ns}/precious`,
    ]);
  });

  test('refuses an empty render instead of pruning everything, unless allowEmpty is set', async () => {
    const first = await sync([cm('survivor')], []);
    const refused = await sync([], first.inventory);
    expect(refused.phase).toBe('Failed');
    expect(refused.message).toMatch(
      /^the render produced no objects: refusing to sync \(and prune\) an empty set/,
    );
    expect(refused.results).toEqual([]);
    expect(await exists('survivor')).toBe(true);

    const allowed = await sync(
      [],
      first.inventory.filter((r) => r.name === 'survivor'),
      { allowEmpty: true },
    );
    expect(allowed.phase).toBe('Succeeded');
    expect(allowed.results.map((r) => [r.ref.name, r.action])).toEqual([['survivor', 'pruned']]);
    expect(await exists('survivor')).toBe(false);
  });
});
