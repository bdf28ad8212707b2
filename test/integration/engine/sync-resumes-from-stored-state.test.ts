import { stepSync, type SyncState } from '../../../shared/engine/sync-operation.js';
import type { KubeObject } from '../../../shared/domain/kube-object.js';
import { testbedResourceManager } from '../../support/engine.js';
import { kubectl, uniqueName } from '../../support/testbed.js';

const deployment = (name: string, wave: number): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, annotations: { 'argocd.argoproj.io/sync-wave': String(wave) } },
  spec: {
    replicas: 2,
    // Ready pods count as available only after 2 s: the health gate must wait, whatever the machine's speed.
    minReadySeconds: 2,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'c', image: 'registry.invalid/x:1' }] },
    },
  },
});

describe('a sync run as separate steps', () => {
  const ns = uniqueName('eng-resume');
  beforeAll(() => kubectl(['create', 'namespace', ns]));
  afterAll(() => kubectl(['delete', 'namespace', ns, '--wait=false']));

  test('continues from state that went through JSON, each step with a fresh engine, and never sleeps inside a step', async () => {
    const req = {
      desired: [deployment('api', 0), deployment('worker', 1)].map((object) => ({ object })),
      inventory: [],
      options: { destinationNamespace: ns, pollIntervalMs: 300 },
    };
    let stored: string | undefined;
    const steps: { waitingFor?: string; next?: number; ms: number }[] = [];
    // Bounded by time, not by a step count: on a loaded machine the rollouts take longer.
    for (const deadline = Date.now() + 90_000; Date.now() < deadline;) {
      // A new engine per step, as a new Lambda invocation would have: nothing carried over but the state.
      const rm = await testbedResourceManager();
      const started = Date.now();
      const { state, nextStepInMs } = await stepSync(
        rm,
        req,
        stored === undefined ? undefined : (JSON.parse(stored) as SyncState),
      );
      rm.close();
      steps.push({ waitingFor: state.waitingFor, next: nextStepInMs, ms: Date.now() - started });
      stored = JSON.stringify(state);
      if (nextStepInMs === undefined) break;
      await new Promise((r) => setTimeout(r, nextStepInMs));
    }
    const final = JSON.parse(stored!) as SyncState;
    expect(final.phase).toBe('Succeeded');
    expect(final.results.map((r) => `${r.ref.name}:${r.action}:${r.wave}`)).toEqual([
      'api:created:0',
      'worker:created:1',
    ]);
    // It had to wait for wave 0 to be healthy, and said so, across several steps.
    expect(steps.length).toBeGreaterThanOrEqual(2);
    expect(steps[0]).toMatchObject({
      next: 300,
      waitingFor: expect.stringMatching(new RegExp(`^Deployment/${ns}/api is Progressing`)),
    });
    // No step slept for the rollout: each returned promptly and asked to be called again.
    expect(Math.max(...steps.map((s) => s.ms))).toBeLessThan(5_000);
  });
});
