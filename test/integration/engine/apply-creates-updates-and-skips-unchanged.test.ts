import { runSync } from '../../../shared/engine/sync-operation.js';
import { formatRef } from '../../../shared/domain/kube-object.js';
import { engineNamespace, fixtureObjects } from '../../support/engine.js';
import { kubectl } from '../../support/testbed.js';

describe('a sync of a plain app', () => {
  const bed = engineNamespace('eng-apply');
  const { ns } = bed;

  const sync = (greeting: string, tag: string) =>
    runSync(bed.rm, {
      desired: fixtureObjects('basic-app.yaml', ns, { GREETING: greeting, TAG: tag }),
      inventory: [],
      options: { destinationNamespace: ns, appName: 'web', pollIntervalMs: 200 },
    });
  const actions = (s: Awaited<ReturnType<typeof sync>>) =>
    Object.fromEntries(s.results.map((r) => [formatRef(r.ref), r.action]));

  test('creates every object in the destination namespace, then configures only what changed, then changes nothing', async () => {
    const first = await sync('hello', '1');
    expect(first.phase).toBe('Succeeded');
    expect(actions(first)).toEqual({
      [`ConfigMap/${ns}/web-config`]: 'created',
      [`Service/${ns}/web`]: 'created',
      [`Deployment/${ns}/web`]: 'created',
    });
    const cm = JSON.parse(
      await kubectl(['get', 'configmap', '-n', ns, 'web-config', '-o', 'json', '--show-managed-fields']),
    );
    expect(cm.data).toEqual({ greeting: 'hello' });
    expect(cm.metadata.annotations['gitferry.dev/app']).toBe('web');
    expect(
      cm.metadata.managedFields.map(
        (m: { manager: string; operation: string }) => `${m.manager}:${m.operation}`,
      ),
    ).toContain('gitferry:Apply');

    const second = await sync('bonjour', '1');
    expect(second.phase).toBe('Succeeded');
    expect(actions(second)).toEqual({
      [`ConfigMap/${ns}/web-config`]: 'configured',
      [`Service/${ns}/web`]: 'unchanged',
      [`Deployment/${ns}/web`]: 'unchanged',
    });
    const diff = second.results.find((r) => r.ref.kind === 'ConfigMap')!.diff!;
    expect(diff).toContain('-  greeting: hello');
    expect(diff).toContain('+  greeting: bonjour');

    const rvBefore = JSON.parse(await kubectl(['get', 'deployment', '-n', ns, 'web', '-o', 'json'])).metadata
      .resourceVersion;
    const third = await sync('bonjour', '1');
    expect(Object.values(actions(third))).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect(third.message).toBe('successfully synced (3 unchanged)');
    const rvAfter = JSON.parse(await kubectl(['get', 'deployment', '-n', ns, 'web', '-o', 'json'])).metadata
      .resourceVersion;
    expect(rvAfter).toBe(rvBefore);
    expect(third.inventory.map(formatRef).sort()).toEqual([
      `ConfigMap/${ns}/web-config`,
      `Deployment/${ns}/web`,
      `Service/${ns}/web`,
    ]);
  });
});
