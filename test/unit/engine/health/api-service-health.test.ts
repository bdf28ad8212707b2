import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import type { KubeObject } from '../../../../shared/domain/kube-object.js';
import { assessHealth } from '../../../../shared/engine/health.js';

function fixture(name: string): KubeObject {
  const path = fileURLToPath(new URL(`../../../fixtures/health/${name}.yaml`, import.meta.url));
  return load(readFileSync(path, 'utf8')) as KubeObject;
}

describe('API service health', () => {
  test('an available API service is Healthy with the reason and message of its condition', () => {
    expect(assessHealth(fixture('apiservice-available'))).toEqual({
      status: 'Healthy',
      message: 'Passed: all checks passed',
    });
  });

  test('an unavailable API service is Progressing with the reason and message of its condition', () => {
    expect(assessHealth(fixture('apiservice-unavailable'))).toEqual({
      status: 'Progressing',
      message:
        'FailedDiscoveryCheck: failing or missing response from https://10.96.45.6:443/apis/metrics.k8s.io/v1beta1: Get "https://10.96.45.6:443/apis/metrics.k8s.io/v1beta1": dial tcp 10.96.45.6:443: connect: connection refused',
    });
  });

  test('an API service without an Available condition is Progressing', () => {
    expect(assessHealth(fixture('apiservice-new'))).toEqual({
      status: 'Progressing',
      message: 'Waiting to be processed',
    });
  });
});
