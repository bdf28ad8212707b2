import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import type { KubeObject } from '../../../../shared/domain/kube-object.js';
import { assessHealth } from '../../../../shared/engine/health.js';

function fixture(name: string): KubeObject {
  const path = fileURLToPath(new URL(`../../../fixtures/health/${name}.yaml`, import.meta.url));
  return load(readFileSync(path, 'utf8')) as KubeObject;
}

describe('job health', () => {
  test('a job with a Complete condition is Healthy', () => {
    expect(assessHealth(fixture('job-complete'))).toEqual({ status: 'Healthy' });
  });

  test('a job with a Failed condition is Degraded with its message', () => {
    expect(assessHealth(fixture('job-failed'))).toEqual({
      status: 'Degraded',
      message: 'Job has reached the specified backoff limit',
    });
  });

  test('a job with a Suspended condition is Suspended', () => {
    expect(assessHealth(fixture('job-suspended'))).toEqual({ status: 'Suspended', message: 'Job suspended' });
  });

  test('a job created suspended is Suspended before the controller reports it', () => {
    expect(assessHealth(fixture('job-created-suspended'))).toEqual({
      status: 'Suspended',
      message: 'Job is suspended',
    });
  });

  test('a job that is still running is Progressing', () => {
    expect(assessHealth(fixture('job-running'))).toEqual({
      status: 'Progressing',
      message: 'Waiting for the job to complete',
    });
  });
});
