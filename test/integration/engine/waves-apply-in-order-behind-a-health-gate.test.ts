import { runSync } from '../../../shared/engine/sync-operation.js';
import type { KubeObject } from '../../../shared/domain/kube-object.js';
import { testbedMarkers } from '../../testbed/components/kwok.js';
import { engineNamespace } from '../../support/engine.js';
import { kubectl } from '../../support/testbed.js';

const wave = (w: number) => ({ 'argocd.argoproj.io/sync-wave': String(w) });
const cm = (name: string, w: number): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, annotations: wave(w) },
  data: { k: 'v' },
});
const deployment = (name: string, w: number, podAnnotations: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, annotations: wave(w) },
  spec: {
    replicas: 1,
    progressDeadlineSeconds: 2,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name }, annotations: podAnnotations },
      spec: { containers: [{ name: 'c', image: 'registry.invalid/x:1' }] },
    },
  },
});

describe('sync waves', () => {
  const bed = engineNamespace('eng-waves');
  const { ns } = bed;

  test('applies waves strictly in order, each after the previous one is healthy', async () => {
    const desired = [cm('late', 1), deployment('db', 0), cm('early', -1)].map((object) => ({ object }));
    const state = await runSync(bed.rm, {
      desired,
      inventory: [],
      options: { destinationNamespace: ns, pollIntervalMs: 200 },
    });
    expect(state.phase).toBe('Succeeded');
    expect(state.results.map((r) => [r.ref.name, r.wave])).toEqual([
      ['early', -1],
      ['db', 0],
      ['late', 1],
    ]);
    const db = JSON.parse(await kubectl(['get', 'deployment', '-n', ns, 'db', '-o', 'json']));
    const available = db.status.conditions.find((c: { type: string }) => c.type === 'Available');
    const late = JSON.parse(await kubectl(['get', 'configmap', '-n', ns, 'late', '-o', 'json']));
    expect(available.status).toBe('True');
    expect(Date.parse(late.metadata.creationTimestamp)).toBeGreaterThanOrEqual(
      Date.parse(available.lastTransitionTime),
    );
  });

  test('stops at a wave whose workload turns Degraded and never applies the later waves', async () => {
    const desired = [
      deployment('stuck', 0, { [testbedMarkers.neverReady]: 'true' }),
      cm('after-stuck', 1),
    ].map((object) => ({ object }));
    const state = await runSync(bed.rm, {
      desired,
      inventory: [],
      options: { destinationNamespace: ns, pollIntervalMs: 250 },
    });
    expect(state.phase).toBe('Failed');
    expect(state.message).toMatch(
      new RegExp(`^health check failed in wave 0:\\n  Deployment/${ns}/stuck is Degraded: .*progress`),
    );
    expect(state.results.map((r) => r.ref.name)).toEqual(['stuck']);
    expect(
      (
        await kubectl(['get', 'configmap', '-n', ns, '--ignore-not-found', 'after-stuck', '-o', 'name'])
      ).trim(),
    ).toBe('');
  });
});
