import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import type { KubeObject } from '../../../../shared/domain/kube-object.js';
import { assessHealth } from '../../../../shared/engine/health.js';

function fixture(name: string): KubeObject {
  const path = fileURLToPath(new URL(`../../../fixtures/health/${name}.yaml`, import.meta.url));
  return load(readFileSync(path, 'utf8')) as KubeObject;
}

describe('statefulset health', () => {
  test('a statefulset with all pods ready at the current revision is Healthy', () => {
    expect(assessHealth(fixture('statefulset-healthy'))).toEqual({
      status: 'Healthy',
      message: 'statefulset rolling update complete 3 pods at revision db-7c9d5f8b6...',
    });
  });

  test('a statefulset the controller has never observed is Progressing', () => {
    expect(assessHealth(fixture('statefulset-new'))).toEqual({
      status: 'Progressing',
      message: 'Waiting for statefulset spec update to be observed...',
    });
  });

  test('a statefulset whose new generation the controller has not observed yet is Progressing', () => {
    expect(assessHealth(fixture('statefulset-generation-not-observed'))).toEqual({
      status: 'Progressing',
      message: 'Waiting for statefulset spec update to be observed...',
    });
  });

  test('a statefulset with fewer ready pods than replicas is Progressing', () => {
    expect(assessHealth(fixture('statefulset-pods-not-ready'))).toEqual({
      status: 'Progressing',
      message: 'Waiting for 2 pods to be ready...',
    });
  });

  test('a statefulset rolling its pods to a new revision is Progressing', () => {
    expect(assessHealth(fixture('statefulset-rolling-update-in-progress'))).toEqual({
      status: 'Progressing',
      message: 'waiting for statefulset rolling update to complete 1 pods at revision db-5b8f6d4c9...',
    });
  });

  test('a partitioned statefulset is Progressing until the pods above the partition are updated', () => {
    expect(assessHealth(fixture('statefulset-partitioned-in-progress'))).toEqual({
      status: 'Progressing',
      message: 'Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated...',
    });
  });

  test('a partitioned statefulset is Healthy once the pods above the partition are updated', () => {
    expect(assessHealth(fixture('statefulset-partitioned-complete'))).toEqual({
      status: 'Healthy',
      message: 'partitioned roll out complete: 2 new pods have been updated...',
    });
  });

  test('an OnDelete statefulset is Healthy when its pods are ready, even at an old revision', () => {
    expect(assessHealth(fixture('statefulset-on-delete'))).toEqual({
      status: 'Healthy',
      message: 'statefulset has 3 ready pods',
    });
  });
});
