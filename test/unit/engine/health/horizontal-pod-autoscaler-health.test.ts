import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import type { KubeObject } from '../../../../shared/domain/kube-object.js';
import { assessHealth } from '../../../../shared/engine/health.js';

function fixture(name: string): KubeObject {
  const path = fileURLToPath(new URL(`../../../fixtures/health/${name}.yaml`, import.meta.url));
  return load(readFileSync(path, 'utf8')) as KubeObject;
}

describe('horizontal pod autoscaler health', () => {
  test('an autoscaler that is able to scale and computes a replica count is Healthy', () => {
    expect(assessHealth(fixture('hpa-healthy'))).toEqual({
      status: 'Healthy',
      message:
        'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)',
    });
  });

  test('an autoscaler that has not reported conditions yet is Progressing', () => {
    expect(assessHealth(fixture('hpa-new'))).toEqual({
      status: 'Progressing',
      message: 'Waiting to Autoscale',
    });
  });

  test('an autoscaler that cannot get its metrics is Degraded with the ScalingActive message', () => {
    expect(assessHealth(fixture('hpa-failed-metrics'))).toEqual({
      status: 'Degraded',
      message:
        'the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API',
    });
  });

  test('an autoscaler that cannot scale its target is Degraded with the AbleToScale message', () => {
    expect(assessHealth(fixture('hpa-unable-to-scale'))).toEqual({
      status: 'Degraded',
      message:
        'the HPA controller was unable to get the target\'s current scale: deployments/scale.apps "wbe" not found',
    });
  });

  test('an autoscaler whose target was scaled to zero is Healthy', () => {
    expect(assessHealth(fixture('hpa-scaling-disabled'))?.status).toBe('Healthy');
  });

  test('an autoscaling/v1 autoscaler is judged by the conditions in its annotation', () => {
    expect(assessHealth(fixture('hpa-v1-failed-metrics'))).toEqual({
      status: 'Degraded',
      message: 'the HPA was unable to compute the replica count: missing request for cpu',
    });
    expect(assessHealth(fixture('hpa-v1-healthy'))?.status).toBe('Healthy');
  });

  test('an autoscaling/v1 autoscaler without the conditions annotation is Progressing', () => {
    expect(assessHealth(fixture('hpa-v1-new'))).toEqual({
      status: 'Progressing',
      message: 'Waiting to Autoscale',
    });
  });

  test('an autoscaling/v1 autoscaler whose conditions annotation is not JSON is Unknown', () => {
    expect(assessHealth(fixture('hpa-v1-invalid-annotation'))).toEqual({
      status: 'Unknown',
      message: 'annotation autoscaling.alpha.kubernetes.io/conditions is not a JSON list',
    });
  });
});
