import { runSync } from '../../../shared/engine/sync-operation.js';
import type { KubeObject } from '../../../shared/domain/kube-object.js';
import { engineNamespace } from '../../support/engine.js';
import { kubectl } from '../../support/testbed.js';

const deployment = (
  name: string,
  selectorValue: string,
  annotations: Record<string, string> = {},
): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, annotations },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: selectorValue } },
    template: {
      metadata: { labels: { app: selectorValue } },
      spec: { containers: [{ name: 'c', image: 'registry.invalid/x:1' }] },
    },
  },
});

describe('immutable fields', () => {
  const bed = engineNamespace('eng-immutable');
  const { ns } = bed;
  const sync = (object: KubeObject) =>
    runSync(bed.rm, {
      desired: [{ object }],
      inventory: [],
      options: { destinationNamespace: ns, pollIntervalMs: 200 },
    });
  const uid = async (name: string) =>
    JSON.parse(await kubectl(['get', 'deployment', '-n', ns, name, '-o', 'json'])).metadata.uid as string;

  test('a changed selector fails the dry run with an error naming the field, and the live object is untouched', async () => {
    expect((await sync(deployment('fixed', 'v1'))).phase).toBe('Succeeded');
    const before = await uid('fixed');
    const state = await sync(deployment('fixed', 'v2'));
    expect(state.phase).toBe('Failed');
    expect(state.results[0]).toMatchObject({ action: 'failed' });
    expect(state.results[0]?.message).toMatch(
      new RegExp(`^Deployment/${ns}/fixed dry-run failed: Invalid: .*spec\\.selector.*field is immutable`),
    );
    expect(await uid('fixed')).toBe(before);
  });

  test('with Replace=true the object is deleted and re-created with the new value', async () => {
    const replace = { 'argocd.argoproj.io/sync-options': 'Replace=true' };
    expect((await sync(deployment('recreated', 'v1', replace))).phase).toBe('Succeeded');
    const before = await uid('recreated');
    const state = await sync(deployment('recreated', 'v2', replace));
    expect(state.phase).toBe('Succeeded');
    expect(state.results.map((r) => r.action)).toEqual(['replaced']);
    const live = JSON.parse(await kubectl(['get', 'deployment', '-n', ns, 'recreated', '-o', 'json']));
    expect(live.spec.selector.matchLabels.app).toBe('v2');
    expect(live.metadata.uid).not.toBe(before);
  });
});
