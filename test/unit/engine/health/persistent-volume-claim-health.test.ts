import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import type { KubeObject } from '../../../../shared/domain/kube-object.js';
import { assessHealth } from '../../../../shared/engine/health.js';

function fixture(name: string): KubeObject {
  const path = fileURLToPath(new URL(`../../../fixtures/health/${name}.yaml`, import.meta.url));
  return load(readFileSync(path, 'utf8')) as KubeObject;
}

describe('persistent volume claim health', () => {
  test('a bound claim is Healthy', () => {
    expect(assessHealth(fixture('pvc-bound'))).toEqual({ status: 'Healthy' });
  });

  test('a lost claim is Degraded', () => {
    expect(assessHealth(fixture('pvc-lost'))).toEqual({
      status: 'Degraded',
      message: 'PersistentVolumeClaim lost its PersistentVolume',
    });
  });

  test('a pending claim is Progressing', () => {
    expect(assessHealth(fixture('pvc-pending'))).toEqual({
      status: 'Progressing',
      message: 'Waiting for the claim to be bound',
    });
  });

  test('a claim without a phase is Unknown', () => {
    expect(assessHealth(fixture('pvc-without-status'))).toEqual({
      status: 'Unknown',
      message: 'PersistentVolumeClaim phase is not reported',
    });
  });
});
