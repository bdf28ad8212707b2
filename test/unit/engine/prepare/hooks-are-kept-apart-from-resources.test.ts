import { prepareObjects } from '../../../../shared/engine/prepare.js';
import { fakeDiscovery } from '../fake-discovery.js';
import { fixtureObjects, testNamespace } from '../fixtures.js';

describe('prepareObjects and hooks', () => {
  const prepareHooks = () =>
    prepareObjects(fixtureObjects('prepare-hooks.yaml'), fakeDiscovery().discovery, {
      destinationNamespace: testNamespace,
    });

  test('Argo CD hooks and mapped Helm hooks go to hooks, ordinary objects to resources', async () => {
    const { resources, hooks } = await prepareHooks();

    expect(resources.map((p) => p.key)).toEqual(['apps/Deployment/team-a/web']);
    expect(resources[0]!.hookTypes).toEqual([]);
    expect(hooks.map((p) => [p.object.metadata.name ?? p.object.metadata.generateName, p.hookTypes])).toEqual(
      [
        ['db-migrate', ['PreSync']],
        ['chart-setup', ['PreSync']],
        ['smoke-test-', ['PostSync']],
      ],
    );
  });

  test('a helm.sh/hook pre-install hook runs as a PreSync hook', async () => {
    const { hooks } = await prepareHooks();

    const setup = hooks.find((p) => p.object.metadata.name === 'chart-setup')!;
    expect(setup.hookTypes).toEqual(['PreSync']);
    expect(setup.object.metadata.namespace).toBe('team-a');
  });

  test('Skip hooks and Helm test hooks are dropped', async () => {
    const { resources, hooks } = await prepareHooks();

    const names = [...resources, ...hooks].map((p) => p.object.metadata.name);
    expect(names).not.toContain('local-only');
    expect(names).not.toContain('chart-test-connection');
  });

  test('a hook with generateName and no name is accepted', async () => {
    const { hooks } = await prepareHooks();

    const smoke = hooks.find((p) => p.object.metadata.generateName === 'smoke-test-')!;
    expect(smoke.object.metadata.name).toBeUndefined();
    expect(smoke.info).toMatchObject({ resource: 'jobs', namespaced: true });
    expect(smoke.source).toBe('prepare-hooks.yaml#5');
  });
});
