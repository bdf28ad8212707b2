import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import type { KubeObject } from '../../../../shared/domain/kube-object.js';
import { assessHealth } from '../../../../shared/engine/health.js';

function fixture(name: string): KubeObject {
  const path = fileURLToPath(new URL(`../../../fixtures/health/${name}.yaml`, import.meta.url));
  return load(readFileSync(path, 'utf8')) as KubeObject;
}

describe('replicaset health', () => {
  test('a replicaset with all replicas available is Healthy', () => {
    expect(assessHealth(fixture('replicaset-healthy'))).toEqual({ status: 'Healthy' });
  });

  test('a replicaset whose new generation the controller has not observed yet is Progressing', () => {
    expect(assessHealth(fixture('replicaset-generation-not-observed'))).toEqual({
      status: 'Progressing',
      message: 'Waiting for rollout to finish: observed replica set generation less than desired generation',
    });
  });

  test('a replicaset that cannot create pods is Degraded with the message of its ReplicaFailure condition', () => {
    expect(assessHealth(fixture('replicaset-replica-failure'))).toEqual({
      status: 'Degraded',
      message:
        'pods "web-6d8f7c9b5-x2k9q" is forbidden: exceeded quota: compute, requested: cpu=500m, used: cpu=2, limited: cpu=2',
    });
  });

  test('a replicaset with fewer available replicas than desired is Progressing', () => {
    expect(assessHealth(fixture('replicaset-replicas-unavailable'))).toEqual({
      status: 'Progressing',
      message: 'Waiting for rollout to finish: 1 out of 3 new replicas are available...',
    });
  });
});
