import { runSync } from '../../../shared/engine/sync-operation.js';
import type { ResourceManager } from '../../../shared/engine/resource-manager.js';
import { formatRef, type KubeObject } from '../../../shared/domain/kube-object.js';
import { testbedResourceManager } from '../../support/engine.js';
import { kubectl, uniqueName } from '../../support/testbed.js';

const cm = (name: string, namespace?: string) => ({
  object: {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace },
    data: { k: 'v' },
  } as KubeObject,
});

describe('namespaces', () => {
  let rm: ResourceManager;
  const created: string[] = [];
  beforeAll(async () => (rm = await testbedResourceManager()));
  afterAll(async () => {
    rm.close();
    for (const ns of created)
      await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
  });

  test('creates the destination namespace with managed metadata when CreateNamespace is set', async () => {
    const ns = uniqueName('eng-createns');
    created.push(ns);
    const state = await runSync(rm, {
      desired: [cm('settings')],
      inventory: [],
      options: {
        destinationNamespace: ns,
        createNamespace: true,
        managedNamespaceMetadata: { labels: { team: 'shop' } },
      },
    });
    expect(state.phase).toBe('Succeeded');
    expect(state.results.map((r) => [formatRef(r.ref), r.action])).toEqual([
      [`ConfigMap/${ns}/settings`, 'created'],
    ]);
    const live = JSON.parse(await kubectl(['get', 'namespace', ns, '-o', 'json']));
    expect(live.metadata.labels.team).toBe('shop');
    // The namespace itself is not the app's to prune.
    expect(state.inventory.map(formatRef)).toEqual([`ConfigMap/${ns}/settings`]);
  });

  test('applies a Namespace from the manifests before the objects inside it', async () => {
    const ns = uniqueName('eng-nsobj');
    created.push(ns);
    const state = await runSync(rm, {
      desired: [
        cm('inside', ns),
        { object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } as KubeObject },
      ],
      inventory: [],
    });
    expect(state.phase).toBe('Succeeded');
    expect(state.results.map((r) => formatRef(r.ref))).toEqual([`Namespace/${ns}`, `ConfigMap/${ns}/inside`]);
  });

  test('without CreateNamespace, a missing destination namespace fails the dry run and nothing is written', async () => {
    const ns = uniqueName('eng-nons');
    const state = await runSync(rm, {
      desired: [cm('orphan')],
      inventory: [],
      options: { destinationNamespace: ns },
    });
    expect(state.phase).toBe('Failed');
    expect(state.message).toContain(
      `ConfigMap/${ns}/orphan dry-run failed: NotFound: namespaces "${ns}" not found`,
    );
    expect(state.results.map((r) => r.action)).toEqual(['failed']);
  });
});
