import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import type { KubeObject } from '../../../../shared/domain/kube-object.js';
import { assessHealth } from '../../../../shared/engine/health.js';

function fixture(name: string): KubeObject {
  const path = fileURLToPath(new URL(`../../../fixtures/health/${name}.yaml`, import.meta.url));
  return load(readFileSync(path, 'utf8')) as KubeObject;
}

describe('ingress health', () => {
  test('an ingress with a load balancer address is Healthy', () => {
    expect(assessHealth(fixture('ingress-with-address'))).toEqual({ status: 'Healthy' });
  });

  test('an ingress without a load balancer address is Progressing', () => {
    expect(assessHealth(fixture('ingress-without-address'))).toEqual({
      status: 'Progressing',
      message: 'Waiting for the load balancer to get an address',
    });
  });
});
