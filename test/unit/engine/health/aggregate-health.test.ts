import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import type { HealthStatus } from '../../../../shared/domain/health.js';
import type { KubeObject } from '../../../../shared/domain/kube-object.js';
import { assessHealth, worstHealth } from '../../../../shared/engine/health.js';

function fixture(name: string): KubeObject {
  const path = fileURLToPath(new URL(`../../../fixtures/health/${name}.yaml`, import.meta.url));
  return load(readFileSync(path, 'utf8')) as KubeObject;
}

describe('aggregate health', () => {
  test('no statuses at all aggregate to Healthy', () => {
    expect(worstHealth([])).toEqual({ status: 'Healthy' });
  });

  test('the aggregate is the worst status, with its message', () => {
    const statuses: HealthStatus[] = [
      { status: 'Healthy' },
      { status: 'Progressing', message: 'Waiting for 2 pods to be ready...' },
      { status: 'Healthy' },
    ];
    expect(worstHealth(statuses)).toEqual({
      status: 'Progressing',
      message: 'Waiting for 2 pods to be ready...',
    });
  });

  test('statuses rank Healthy, Suspended, Progressing, Missing, Degraded, Unknown from best to worst', () => {
    const ranked: HealthStatus['status'][] = [
      'Healthy',
      'Suspended',
      'Progressing',
      'Missing',
      'Degraded',
      'Unknown',
    ];
    ranked.forEach((better, i) => {
      for (const worse of ranked.slice(i + 1)) {
        expect(worstHealth([{ status: worse }, { status: better }]).status).toBe(worse);
        expect(worstHealth([{ status: better }, { status: worse }]).status).toBe(worse);
      }
    });
  });

  test('among equally bad statuses the first one wins', () => {
    expect(
      worstHealth([
        { status: 'Degraded', message: 'first' },
        { status: 'Degraded', message: 'second' },
      ]),
    ).toEqual({ status: 'Degraded', message: 'first' });
  });

  test('an application of live objects is as healthy as its worst object, ignoring kinds without health', () => {
    const live = [
      fixture('deployment-healthy'),
      fixture('configmap'),
      fixture('pod-crash-loop-backoff'),
      undefined,
    ];
    const statuses = live.map(assessHealth).filter((h): h is HealthStatus => h !== undefined);
    expect(worstHealth(statuses).status).toBe('Degraded');
  });
});
