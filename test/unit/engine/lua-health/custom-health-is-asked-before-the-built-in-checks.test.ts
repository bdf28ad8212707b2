import type { KubeObject } from '../../../../shared/domain/kube-object.js';
import { assessHealthWith } from '../../../../shared/engine/health.js';
import { LuaHealthChecks } from '../../../../shared/engine/lua-health.js';

const deployment: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop', generation: 1 },
  spec: { replicas: 1 },
  status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1 },
};

describe('custom health', () => {
  const checks = new LuaHealthChecks([
    {
      groupKind: 'apps_Deployment',
      origin: 'deploy.lua',
      source: 'return { status = "Degraded", message = "custom" }',
    },
  ]);
  afterAll(() => checks.close());

  test('a script for a kind overrides the built-in check, as argocd-cm customizations do', async () => {
    expect(await assessHealthWith(checks, deployment)).toEqual({ status: 'Degraded', message: 'custom' });
    expect(await assessHealthWith(undefined, deployment)).toEqual({ status: 'Healthy' });
  });

  test('a missing or deleting object is judged before any script runs', async () => {
    expect(await assessHealthWith(checks, undefined)).toEqual({ status: 'Missing' });
    const deleting = {
      ...deployment,
      metadata: { ...deployment.metadata, deletionTimestamp: '2026-12-01T10:00:00Z' },
    };
    expect(await assessHealthWith(checks, deleting)).toEqual({
      status: 'Progressing',
      message: 'Pending deletion',
    });
  });

  test('kinds without a script fall back to the built-in checks', async () => {
    const pvc = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'd' },
      status: { phase: 'Bound' },
    };
    expect(await assessHealthWith(checks, pvc)).toEqual({ status: 'Healthy' });
  });
});
