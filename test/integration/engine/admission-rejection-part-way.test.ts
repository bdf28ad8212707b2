import { runSync } from '../../../shared/engine/sync-operation.js';
import type { ResourceManager } from '../../../shared/engine/resource-manager.js';
import type { KubeObject } from '../../../shared/domain/kube-object.js';
import { testbedResourceManager } from '../../support/engine.js';
import { eventually, kubectl, uniqueName } from '../../support/testbed.js';

/** A ValidatingAdmissionPolicy denying ConfigMaps labelled reject=<when>; "late" ones only outside dry runs. */
function policy(name: string, ns: string, when: 'early' | 'late'): KubeObject[] {
  const expression =
    when === 'early'
      ? `object.metadata.?labels.?reject.orValue('') != 'early'`
      : `request.dryRun == true || object.metadata.?labels.?reject.orValue('') != 'late'`;
  return [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [
            {
              apiGroups: [''],
              apiVersions: ['v1'],
              operations: ['CREATE', 'UPDATE'],
              resources: ['configmaps'],
            },
          ],
        },
        validations: [{ expression, message: `rejected by the ${when} test policy` }],
      },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name },
      spec: {
        policyName: name,
        validationActions: ['Deny'],
        matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } },
      },
    },
  ];
}

const tenConfigMaps = (rejectSeventh: string) =>
  Array.from({ length: 10 }, (_, i) => ({
    object: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `cm-${i + 1}`, labels: i === 6 ? { reject: rejectSeventh } : {} },
      data: { n: String(i + 1) },
    } as KubeObject,
  }));

describe('an admission policy rejecting the seventh of ten objects', () => {
  let rm: ResourceManager;
  const cleanup: string[] = [];
  beforeAll(async () => (rm = await testbedResourceManager()));
  afterAll(async () => {
    rm.close();
    for (const c of cleanup) await kubectl(['delete', ...c.split(' '), '--wait=false', '--ignore-not-found']);
  });

  async function setUp(when: 'early' | 'late'): Promise<string> {
    const ns = uniqueName(`eng-vap-${when}`);
    const name = `${ns}-policy`;
    cleanup.push(
      `namespace ${ns}`,
      `validatingadmissionpolicybinding ${name}`,
      `validatingadmissionpolicy ${name}`,
    );
    await kubectl(['create', 'namespace', ns]);
    await kubectl(
      ['apply', '--server-side', '-f', '-'],
      policy(name, ns, when)
        .map((o) => JSON.stringify(o))
        .join('\n'),
    );
    // Policies take effect asynchronously: wait until a real (non-dry-run) probe is denied.
    await eventually(`policy ${name} enforced`, async () => {
      const probe = JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'probe', namespace: ns, labels: { reject: when } },
      });
      try {
        await kubectl(['create', '-f', '-'], probe);
        await kubectl(['delete', 'configmap', '-n', ns, 'probe']);
        return undefined;
      } catch (err) {
        return /rejected by the/.test((err as Error).message) ? true : undefined;
      }
    });
    return ns;
  }
  const liveNames = async (ns: string) =>
    (await kubectl(['get', 'configmaps', '-n', ns, '-o', 'name']))
      .split('\n')
      .filter((l) => l.includes('cm-'));

  test('rejected in the dry run: nothing at all is written, and the error names the object', async () => {
    const ns = await setUp('early');
    const state = await runSync(rm, {
      desired: tenConfigMaps('early'),
      inventory: [],
      options: { destinationNamespace: ns },
    });
    expect(state.phase).toBe('Failed');
    expect(state.message).toMatch(/^dry run failed for 1 object\(s\), nothing was applied:/);
    expect(state.results).toEqual([
      expect.objectContaining({ action: 'failed', ref: expect.objectContaining({ name: 'cm-7' }) }),
    ]);
    expect(state.results[0]?.message).toMatch(
      new RegExp(`^ConfigMap/${ns}/cm-7 dry-run failed: Invalid: .*rejected by the early test policy`),
    );
    expect(await liveNames(ns)).toEqual([]);
  });

  test('rejected only at apply time: the history lists exactly what was applied, the sync fails, nothing is pruned', async () => {
    const ns = await setUp('late');
    const inventory = [{ group: '', version: 'v1', kind: 'ConfigMap', namespace: ns, name: 'old-one' }];
    await kubectl(['create', 'configmap', '-n', ns, 'old-one']);
    const state = await runSync(rm, {
      desired: tenConfigMaps('late'),
      inventory,
      options: { destinationNamespace: ns, prune: true },
    });
    expect(state.phase).toBe('Failed');
    const applied = state.results
      .filter((r) => r.action === 'created')
      .map((r) => r.ref.name)
      .sort();
    expect(applied).toEqual(['cm-1', 'cm-10', 'cm-2', 'cm-3', 'cm-4', 'cm-5', 'cm-6', 'cm-8', 'cm-9']);
    expect(state.results.filter((r) => r.action === 'failed').map((r) => r.ref.name)).toEqual(['cm-7']);
    expect(state.message).toMatch(
      new RegExp(
        `1 object\\(s\\) failed to apply in wave 0:\\n  ConfigMap/${ns}/cm-7 apply failed: Invalid: .*rejected by the late test policy`,
      ),
    );
    expect((await liveNames(ns)).length).toBe(9);
    // No prune after a failed apply; the inventory keeps both the old object and the nine applied.
    expect(await kubectl(['get', 'configmap', '-n', ns, 'old-one', '-o', 'name'])).toContain('old-one');
    expect(state.inventory.map((r) => r.name).sort()).toEqual([
      'cm-1',
      'cm-10',
      'cm-2',
      'cm-3',
      'cm-4',
      'cm-5',
      'cm-6',
      'cm-8',
      'cm-9',
      'old-one',
    ]);

    // Retrying is idempotent: the nine are unchanged, the seventh still fails the same way.
    const retry = await runSync(rm, {
      desired: tenConfigMaps('late'),
      inventory: state.inventory,
      options: { destinationNamespace: ns, prune: true },
    });
    expect(retry.results.filter((r) => r.action === 'unchanged')).toHaveLength(9);
    expect(retry.results.filter((r) => r.action === 'failed').map((r) => r.ref.name)).toEqual(['cm-7']);
  });
});
