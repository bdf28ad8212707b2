import { runSync } from '../../../shared/engine/sync-operation.js';
import type { ResourceManager } from '../../../shared/engine/resource-manager.js';
import { formatRef } from '../../../shared/domain/kube-object.js';
import { fixtureObjects, testbedResourceManager } from '../../support/engine.js';
import { kubectl, uniqueName } from '../../support/testbed.js';

describe('a CRD and a custom resource of it in one sync', () => {
  const ns = uniqueName('eng-crd');
  const singular = uniqueName('gadget').replace('-', '');
  const vars = {
    KIND: singular[0]!.toUpperCase() + singular.slice(1),
    PLURAL: `${singular}s`,
    SINGULAR: singular,
  };
  let rm: ResourceManager;
  beforeAll(async () => {
    rm = await testbedResourceManager();
    await kubectl(['create', 'namespace', ns]);
  });
  afterAll(async () => {
    rm.close();
    await kubectl(['delete', 'namespace', ns, '--wait=false']);
    await kubectl(['delete', 'crd', `${vars.PLURAL}.gitferry.dev`, '--wait=false']);
  });

  test('applies the CRD first, waits until it is Established, then creates the resource with its unknown fields intact', async () => {
    const state = await runSync(rm, {
      desired: fixtureObjects('crd-and-cr.yaml', ns, vars),
      inventory: [],
      options: { destinationNamespace: ns, pollIntervalMs: 200 },
    });
    expect(state.message).toBe('successfully synced (2 created)');
    expect(state.results.map((r) => [formatRef(r.ref), r.action])).toEqual([
      [`CustomResourceDefinition/${vars.PLURAL}.gitferry.dev`, 'created'],
      [`${vars.KIND}/${ns}/first`, 'created'],
    ]);
    const live = JSON.parse(
      await kubectl(['get', `${vars.PLURAL}.gitferry.dev`, '-n', ns, 'first', '-o', 'json']),
    );
    expect(live.spec).toEqual({ size: 3, extra: { nested: { anything: 'goes' } } });

    const again = await runSync(rm, {
      desired: fixtureObjects('crd-and-cr.yaml', ns, vars),
      inventory: state.inventory,
      options: { destinationNamespace: ns },
    });
    expect(again.results.map((r) => r.action)).toEqual(['unchanged', 'unchanged']);
  });

  test('names a custom resource whose CRD is neither in the cluster nor in the sync', async () => {
    const [cr] = fixtureObjects('crd-and-cr.yaml', ns, { ...vars, KIND: 'Nonexistent' });
    const state = await runSync(rm, { desired: [cr!], inventory: [], options: { destinationNamespace: ns } });
    expect(state.phase).toBe('Failed');
    expect(state.message).toContain(
      `Nonexistent/first (crd-and-cr.yaml#1): the cluster does not serve gitferry.dev/v1 Nonexistent, and no CustomResourceDefinition in this sync defines it`,
    );
  });
});
