import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import type { KubeObject } from '../../../../shared/domain/kube-object.js';
import { assessHealth } from '../../../../shared/engine/health.js';

function fixture(name: string): KubeObject {
  const path = fileURLToPath(new URL(`../../../fixtures/health/${name}.yaml`, import.meta.url));
  return load(readFileSync(path, 'utf8')) as KubeObject;
}

describe('daemonset health', () => {
  test('a daemonset with every scheduled pod updated and available is Healthy', () => {
    expect(assessHealth(fixture('daemonset-healthy'))).toEqual({ status: 'Healthy' });
  });

  test('a daemonset whose new generation the controller has not observed yet is Progressing', () => {
    expect(assessHealth(fixture('daemonset-generation-not-observed'))).toEqual({
      status: 'Progressing',
      message: 'Waiting for rollout to finish: observed daemon set generation less than desired generation',
    });
  });

  test('a daemonset with pods still at the old template is Progressing', () => {
    expect(assessHealth(fixture('daemonset-updating'))).toEqual({
      status: 'Progressing',
      message:
        'Waiting for daemon set "log-agent" rollout to finish: 1 out of 3 new pods have been updated...',
    });
  });

  test('a daemonset with unavailable pods is Progressing', () => {
    expect(assessHealth(fixture('daemonset-pods-unavailable'))).toEqual({
      status: 'Progressing',
      message: 'Waiting for daemon set "log-agent" rollout to finish: 2 of 3 updated pods are available...',
    });
  });

  test('an OnDelete daemonset is Healthy even while pods run the old template', () => {
    expect(assessHealth(fixture('daemonset-on-delete'))).toEqual({
      status: 'Healthy',
      message: 'daemon set 1 out of 3 new pods have been updated',
    });
  });
});
