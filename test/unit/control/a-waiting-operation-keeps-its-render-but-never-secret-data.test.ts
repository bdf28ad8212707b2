import { describe, expect, test } from '@jest/globals';
import { cacheable, operationRenderCacheMaxBytes } from '../../../shared/control/sync-step.js';
import type { KubeObject } from '../../../shared/domain/kube-object.js';

const configMap = (name: string, data: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'team-a' },
  data,
});

describe('the render an operation keeps while it waits', () => {
  test('a small render without Secrets is kept as it is', () => {
    const desired = [{ object: configMap('a') }, { object: configMap('b'), source: 'app' }];
    expect(cacheable(desired)).toBe(desired);
  });

  test('a render holding a Secret is not kept: Secret data never rests in the state store', () => {
    const secret: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', namespace: 'team-a' },
      data: { password: Buffer.from('hunter2').toString('base64') },
    };
    expect(cacheable([{ object: configMap('a') }, { object: secret }])).toBeUndefined();
  });

  test('a custom resource of kind Secret in another group does not count as one', () => {
    const custom: KubeObject = {
      apiVersion: 'example.com/v1',
      kind: 'Secret',
      metadata: { name: 'not-core', namespace: 'team-a' },
    };
    const desired = [{ object: custom }];
    expect(cacheable(desired)).toBe(desired);
  });

  test('a render larger than the bound is not kept (later steps render again)', () => {
    const big = configMap('big', { blob: 'x'.repeat(operationRenderCacheMaxBytes) });
    expect(cacheable([{ object: big }])).toBeUndefined();
    expect(cacheable(undefined)).toBeUndefined();
  });
});
