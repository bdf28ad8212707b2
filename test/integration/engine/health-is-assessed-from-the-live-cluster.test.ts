import { runSync, type SyncState } from '../../../shared/engine/sync-operation.js';
import type { KubeObject } from '../../../shared/domain/kube-object.js';
import { testbedMarkers } from '../../testbed/components/kwok.js';
import { engineNamespace } from '../../support/engine.js';

// The healthy rollout gets a deadline a loaded machine cannot miss; the broken one a short one, so
// its ProgressDeadlineExceeded comes quickly.
const deployment = (
  name: string,
  podAnnotations: Record<string, string> = {},
  progressDeadlineSeconds = 60,
): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas: 3,
    progressDeadlineSeconds,
    // Available only 1 s after its pods are ready: Progressing is always observed first.
    minReadySeconds: 1,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name }, annotations: podAnnotations },
      spec: { containers: [{ name: 'c', image: 'registry.invalid/x:1' }] },
    },
  },
});

describe('health of a synced Deployment', () => {
  const bed = engineNamespace('eng-health');
  const { ns } = bed;

  test('goes from Progressing to Healthy as the fake nodes roll it out', async () => {
    const seen: string[] = [];
    const record = (s: SyncState) => s.waitingFor && seen.push(s.waitingFor);
    const state = await runSync(
      bed.rm,
      {
        desired: [{ object: deployment('web') }],
        inventory: [],
        options: { destinationNamespace: ns, waitForHealthy: true, pollIntervalMs: 100 },
      },
      record,
    );
    expect(state.phase).toBe('Succeeded');
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[0]).toMatch(new RegExp(`^Deployment/${ns}/web is Progressing`));
    expect(state.results[0]?.health).toEqual({ status: 'Healthy' });
    expect(
      await bed.rm.health({ group: 'apps', version: 'v1', kind: 'Deployment', namespace: ns, name: 'web' }),
    ).toEqual({ status: 'Healthy' });
  });

  test('is Degraded when its Pods never become ready, with the reason from the cluster', async () => {
    const state = await runSync(bed.rm, {
      desired: [{ object: deployment('broken', { [testbedMarkers.neverReady]: 'true' }, 3) }],
      inventory: [],
      options: { destinationNamespace: ns, waitForHealthy: true, pollIntervalMs: 250 },
    });
    expect(state.phase).toBe('Failed');
    const health = await bed.rm.health({
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
      namespace: ns,
      name: 'broken',
    });
    expect(health?.status).toBe('Degraded');
    expect(health?.message).toMatch(/^ReplicaSet "broken-[a-z0-9]+" has timed out progressing\.$/);
    expect(state.message).toContain(`Deployment/${ns}/broken is Degraded: ${health?.message}`);
  });
});
