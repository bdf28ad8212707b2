import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import type { KubeObject } from '../../../../shared/domain/kube-object.js';
import { assessHealth } from '../../../../shared/engine/health.js';

function fixture(name: string): KubeObject {
  const path = fileURLToPath(new URL(`../../../fixtures/health/${name}.yaml`, import.meta.url));
  return load(readFileSync(path, 'utf8')) as KubeObject;
}

describe('service health', () => {
  test('a ClusterIP service is Healthy', () => {
    expect(assessHealth(fixture('service-cluster-ip'))).toEqual({ status: 'Healthy' });
  });

  test('a LoadBalancer service with an ingress address is Healthy', () => {
    expect(assessHealth(fixture('service-load-balancer-ready'))).toEqual({ status: 'Healthy' });
  });

  test('a LoadBalancer service without an ingress address is Progressing', () => {
    expect(assessHealth(fixture('service-load-balancer-pending'))).toEqual({
      status: 'Progressing',
      message: 'Waiting for the load balancer to get an address',
    });
  });
});
