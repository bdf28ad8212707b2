import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import type { KubeObject } from '../../../../shared/domain/kube-object.js';
import { assessHealth } from '../../../../shared/engine/health.js';

function fixture(name: string): KubeObject {
  const path = fileURLToPath(new URL(`../../../fixtures/health/${name}.yaml`, import.meta.url));
  return load(readFileSync(path, 'utf8')) as KubeObject;
}

describe('namespace health', () => {
  test('an active namespace is Healthy', () => {
    expect(assessHealth(fixture('namespace-active'))).toEqual({ status: 'Healthy' });
  });

  test('a terminating namespace is Progressing', () => {
    expect(assessHealth(fixture('namespace-terminating'))).toEqual({
      status: 'Progressing',
      message: 'Namespace is terminating',
    });
  });

  test('a namespace without a phase is Unknown', () => {
    expect(assessHealth(fixture('namespace-without-status'))).toEqual({
      status: 'Unknown',
      message: 'Namespace phase is not reported',
    });
  });
});
