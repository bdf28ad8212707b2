import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import type { KubeObject } from '../../../../shared/domain/kube-object.js';
import { assessHealth } from '../../../../shared/engine/health.js';

function fixture(name: string): KubeObject {
  const path = fileURLToPath(new URL(`../../../fixtures/health/${name}.yaml`, import.meta.url));
  return load(readFileSync(path, 'utf8')) as KubeObject;
}

describe('health of objects that are missing, being deleted or have no health', () => {
  test('an object that does not exist in the cluster is Missing', () => {
    expect(assessHealth(undefined)).toEqual({ status: 'Missing' });
  });

  test('an object being deleted is Progressing, whatever its status says', () => {
    expect(assessHealth(fixture('deployment-being-deleted'))).toEqual({
      status: 'Progressing',
      message: 'Pending deletion',
    });
  });

  test('an object of a kind without health is Progressing while it is being deleted', () => {
    expect(assessHealth(fixture('configmap-being-deleted'))).toEqual({
      status: 'Progressing',
      message: 'Pending deletion',
    });
  });

  test.each(['configmap', 'secret', 'serviceaccount', 'role'])('a %s has no health', (name) => {
    expect(assessHealth(fixture(name))).toBeUndefined();
  });
});
