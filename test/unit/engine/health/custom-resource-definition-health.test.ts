import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import type { KubeObject } from '../../../../shared/domain/kube-object.js';
import { assessHealth } from '../../../../shared/engine/health.js';

function fixture(name: string): KubeObject {
  const path = fileURLToPath(new URL(`../../../fixtures/health/${name}.yaml`, import.meta.url));
  return load(readFileSync(path, 'utf8')) as KubeObject;
}

describe('custom resource definition health', () => {
  test('an established CRD is Healthy', () => {
    expect(assessHealth(fixture('crd-established'))).toEqual({
      status: 'Healthy',
      message: 'CRD is healthy',
    });
  });

  test('a CRD whose names were not accepted is Degraded', () => {
    expect(assessHealth(fixture('crd-names-not-accepted'))).toEqual({
      status: 'Degraded',
      message: 'CRD names have not been accepted: "widgets" is already in use',
    });
  });

  test('a CRD with a non-structural schema is Degraded', () => {
    expect(assessHealth(fixture('crd-non-structural-schema'))).toEqual({
      status: 'Degraded',
      message:
        'Schema violations found: spec.versions[0].schema.openAPIV3Schema.type: Required value: must not be empty at the root',
    });
  });

  test('a CRD that is not established yet is Progressing', () => {
    expect(assessHealth(fixture('crd-not-yet-established'))).toEqual({
      status: 'Progressing',
      message: 'Waiting for the CRD to be established',
    });
  });

  test('a CRD without conditions is Progressing', () => {
    expect(assessHealth(fixture('crd-new'))?.status).toBe('Progressing');
  });
});
