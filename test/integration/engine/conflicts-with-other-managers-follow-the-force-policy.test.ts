import { runSync } from '../../../shared/engine/sync-operation.js';
import type { KubeObject } from '../../../shared/domain/kube-object.js';
import { engineNamespace } from '../../support/engine.js';
import { kubectl } from '../../support/testbed.js';

describe('server-side apply conflicts', () => {
  const bed = engineNamespace('eng-conflict');
  const { ns } = bed;

  const ours: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'shared' },
    data: { mode: 'gitops' },
  };

  test('a field another manager owns is not taken over silently: the error names the field and the manager', async () => {
    await kubectl(
      ['apply', '--server-side', '--field-manager=ops-team', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'shared', namespace: ns },
        data: { mode: 'manual' },
      }),
    );
    const refused = await runSync(bed.rm, {
      desired: [{ object: ours }],
      inventory: [],
      options: { destinationNamespace: ns },
    });
    expect(refused.phase).toBe('Failed');
    expect(refused.results[0]?.message).toMatch(
      new RegExp(
        `^ConfigMap/${ns}/shared dry-run failed: Conflict: fields owned by another manager: .data.mode \\(conflict with "ops-team"`,
      ),
    );
    expect(JSON.parse(await kubectl(['get', 'configmap', '-n', ns, 'shared', '-o', 'json'])).data.mode).toBe(
      'manual',
    );

    const forced = await runSync(bed.rm, {
      desired: [{ object: ours }],
      inventory: [],
      options: { destinationNamespace: ns, forcePolicy: 'always' },
    });
    expect(forced.phase).toBe('Succeeded');
    expect(forced.results.map((r) => r.action)).toEqual(['configured']);
    expect(JSON.parse(await kubectl(['get', 'configmap', '-n', ns, 'shared', '-o', 'json'])).data.mode).toBe(
      'gitops',
    );
  });
});
