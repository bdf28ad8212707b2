import type { ResourceManager } from '../../../shared/engine/resource-manager.js';
import { testbedResourceManager } from '../../support/engine.js';

describe('discovery', () => {
  let rm: ResourceManager;
  beforeAll(async () => (rm = await testbedResourceManager()));
  afterAll(() => rm.close());

  test('lists served API versions and kinds (what helm gets as --api-versions) and the server version', async () => {
    const versions = await rm.discovery.apiVersions();
    expect(versions).toEqual(
      expect.arrayContaining([
        'v1',
        'v1/ConfigMap',
        'apps/v1',
        'apps/v1/Deployment',
        'apiextensions.k8s.io/v1',
      ]),
    );
    expect(versions).not.toContain('apps/v1/Deployment/scale');
    expect(await rm.discovery.serverVersion()).toMatchObject({
      major: '1',
      minor: '36',
      gitVersion: 'v1.36.3',
    });
    expect(await rm.discovery.resolve('apps/v1', 'Deployment')).toMatchObject({
      resource: 'deployments',
      namespaced: true,
    });
    expect(await rm.discovery.resolve('rbac.authorization.k8s.io/v1', 'ClusterRole')).toMatchObject({
      resource: 'clusterroles',
      namespaced: false,
    });
  });
});
