import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import type { KubeObject } from '../../../../shared/domain/kube-object.js';
import { assessHealth } from '../../../../shared/engine/health.js';

function fixture(name: string): KubeObject {
  const path = fileURLToPath(new URL(`../../../fixtures/health/${name}.yaml`, import.meta.url));
  return load(readFileSync(path, 'utf8')) as KubeObject;
}

describe('deployment health', () => {
  test('a deployment whose replicas are all updated and available is Healthy', () => {
    expect(assessHealth(fixture('deployment-healthy'))).toEqual({ status: 'Healthy' });
  });

  test('a paused deployment is Suspended', () => {
    expect(assessHealth(fixture('deployment-paused'))).toEqual({
      status: 'Suspended',
      message: 'Deployment is paused',
    });
  });

  test('a deployment past its progress deadline is Degraded with the message of its Progressing condition', () => {
    expect(assessHealth(fixture('deployment-progress-deadline-exceeded'))).toEqual({
      status: 'Degraded',
      message: 'ReplicaSet "web-7f9c8d6b4" has timed out progressing.',
    });
  });

  test('a deployment whose new generation the controller has not observed yet is Progressing', () => {
    expect(assessHealth(fixture('deployment-generation-not-observed'))).toEqual({
      status: 'Progressing',
      message: 'Waiting for rollout to finish: observed deployment generation less than desired generation',
    });
  });

  test('a deployment with fewer updated replicas than desired is Progressing', () => {
    expect(assessHealth(fixture('deployment-updating-replicas'))).toEqual({
      status: 'Progressing',
      message: 'Waiting for rollout to finish: 1 out of 3 new replicas have been updated...',
    });
  });

  test('a deployment whose old replicas are still terminating is Progressing', () => {
    expect(assessHealth(fixture('deployment-old-replicas-terminating'))).toEqual({
      status: 'Progressing',
      message: 'Waiting for rollout to finish: 1 old replicas are pending termination...',
    });
  });

  test('a deployment whose updated replicas are not all available is Progressing', () => {
    expect(assessHealth(fixture('deployment-replicas-unavailable'))).toEqual({
      status: 'Progressing',
      message: 'Waiting for rollout to finish: 1 of 2 updated replicas are available...',
    });
  });

  test('a deployment without spec.replicas waits for the one replica Kubernetes defaults to', () => {
    expect(assessHealth(fixture('deployment-without-replicas'))).toEqual({
      status: 'Progressing',
      message: 'Waiting for rollout to finish: 0 out of 1 new replicas have been updated...',
    });
  });
});
