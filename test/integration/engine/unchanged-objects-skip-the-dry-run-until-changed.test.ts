import { runSync, type SyncState } from '../../../shared/engine/sync-operation.js';
import type { ResourceManager } from '../../../shared/engine/resource-manager.js';
import type { KubeRequest } from '../../../shared/engine/kube-client.js';
import type { KubeObject } from '../../../shared/domain/kube-object.js';
import { testbedResourceManager } from '../../support/engine.js';
import { kubectl, uniqueName } from '../../support/testbed.js';

describe('an object whose last apply is fingerprinted in the inventory', () => {
  const ns = uniqueName('eng-fp');
  let rm: ResourceManager;
  const dryRuns: string[] = [];
  beforeAll(async () => {
    rm = await testbedResourceManager();
    // Count the dry runs the engine sends, at the one place every request goes through.
    const request = rm.client.request.bind(rm.client);
    rm.client.request = ((req: KubeRequest) => {
      if (req.query?.dryRun === 'All') dryRuns.push(req.path);
      return request(req);
    }) as typeof rm.client.request;
    await kubectl(['create', 'namespace', ns]);
  });
  afterAll(async () => {
    rm.close();
    await kubectl(['delete', 'namespace', ns, '--wait=false']);
  });

  const settings: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'settings' },
    data: { mode: 'gitops', level: '3' },
  };
  let inventory: SyncState['inventory'] = [];
  const sync = async () => {
    dryRuns.length = 0;
    const state = await runSync(rm, {
      desired: [{ object: settings }],
      inventory,
      options: { destinationNamespace: ns },
    });
    inventory = state.inventory;
    return { action: state.results[0]?.action, dryRuns: dryRuns.length, message: state.results[0]?.message };
  };
  const live = async () =>
    JSON.parse(await kubectl(['get', 'configmap', '-n', ns, 'settings', '-o', 'json'])) as KubeObject;

  test('is not dry-run again while nobody touched it, and is re-applied as soon as someone changes one of its fields', async () => {
    expect(await sync()).toMatchObject({ action: 'created', dryRuns: 1 });
    // Two parts: the payload applied, and the fields Gitferry owned on the live object after it.
    expect(inventory[0]?.fingerprint).toMatch(/^[\w-]{22}\.[\w-]{22}$/);
    expect(await sync()).toMatchObject({ action: 'unchanged', dryRuns: 0 });

    // Someone else adds a field we do not own: still nothing for us to do, and nothing to dry-run.
    await kubectl(['label', 'configmap', '-n', ns, 'settings', 'owner=ops']);
    expect(await sync()).toMatchObject({ action: 'unchanged', dryRuns: 0 });

    // Someone edits a field we own by hand: the fingerprint no longer matches, the drift is found and
    // fixed; the default force policy takes over fields from manual edits (kubectl), and says so.
    await kubectl([
      'patch',
      'configmap',
      '-n',
      ns,
      'settings',
      '--type=merge',
      '-p',
      '{"data":{"mode":"hand-edited"}}',
    ]);
    expect(await sync()).toEqual({
      action: 'configured',
      dryRuns: 2,
      message: 'takes over .data.mode from kubectl-patch (manual edit; Git wins)',
    });
    expect((await live()).data).toEqual({ mode: 'gitops', level: '3' });
    expect((await live()).metadata.labels).toEqual({ owner: 'ops' });

    // Deleted behind our back: created again.
    await kubectl(['delete', 'configmap', '-n', ns, 'settings']);
    expect(await sync()).toMatchObject({ action: 'created', dryRuns: 1 });
  });
});
