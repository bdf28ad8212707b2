import { runSync, stepSync, type SyncState } from '../../../shared/engine/sync-operation.js';
import { engineNamespace, fixtureObjects } from '../../support/engine.js';
import { eventually, kubectl } from '../../support/testbed.js';

describe('hook finalizers', () => {
  const bed = engineNamespace('eng-hook-ttl');
  const { ns } = bed;
  const sequence = (s: SyncState) =>
    s.results.map((r) => `${r.hookPhase ?? 'resource'}:${r.ref.name}:${r.action}`);
  const jobs = async () =>
    (await kubectl(['get', 'jobs', '-n', ns, '-o', 'name', '--ignore-not-found'])).trim();

  test('a hook Job with ttlSecondsAfterFinished: 0 is read before Kubernetes removes it, then goes', async () => {
    const desired = fixtureObjects('hooks/ttl-zero-job.yaml', ns);
    // The default poll (2 s) is far longer than the TTL controller needs to remove a finished Job.
    const state = await runSync(bed.rm, { desired, inventory: [], options: { destinationNamespace: ns } });
    expect(state.message).toMatch(/^successfully synced/);
    expect(sequence(state)).toEqual([
      'PreSync:admission-create:created',
      'resource:controller-config:created',
    ]);
    // Released once read: the TTL controller removes it as the chart asked.
    await eventually('the TTL-0 Job removed', async () => ((await jobs()) === '' ? true : undefined));

    // And again on the next sync (before-hook-creation finds nothing left to delete).
    const again = await runSync(bed.rm, {
      desired,
      inventory: state.inventory,
      options: { destinationNamespace: ns },
    });
    expect(again.phase).toBe('Succeeded');
    expect(sequence(again)[0]).toBe('PreSync:admission-create:created');
  });

  test('a hook that disappears before its result is read is reported as lost, with an unknown outcome', async () => {
    const desired = fixtureObjects('hooks/stuck-hook.yaml', ns);
    const input = { desired, inventory: [], options: { destinationNamespace: ns, pollIntervalMs: 200 } };
    let { state } = await stepSync(bed.rm, input);
    expect(state.waitingFor).toBe(`Job/${ns}/stuck-migrate (PreSync hook)`);
    const finalizers = await kubectl([
      'get',
      'job',
      '-n',
      ns,
      'stuck-migrate',
      '-o',
      'jsonpath={.metadata.finalizers}',
    ]);
    expect(finalizers).toContain('gitferry.dev/hook-finalizer');

    // Someone takes the finalizer off and deletes the Job: Gitferry can no longer know how it ended.
    await kubectl([
      'patch',
      'job',
      '-n',
      ns,
      'stuck-migrate',
      '--type=merge',
      '-p',
      '{"metadata":{"finalizers":null}}',
    ]);
    await kubectl(['delete', 'job', '-n', ns, 'stuck-migrate', '--wait=true']);
    ({ state } = await stepSync(bed.rm, input, state));

    expect(state.phase).toBe('Failed');
    expect(state.message).toBe(
      `PreSync hook outcome unknown: Job/${ns}/stuck-migrate: it disappeared before Gitferry read its result (its gitferry.dev/hook-finalizer finalizer was removed, or it was force-deleted): outcome unknown`,
    );
    expect(state.hooks.map((h) => h.status)).toEqual(['Lost']);
  });

  test("a previous run's hook still holding Argo CD's finalizer is let go and replaced, not waited on forever", async () => {
    const desired = fixtureObjects('hooks/ttl-zero-job.yaml', ns).map((d) => {
      const object = structuredClone(d.object);
      if (object.kind === 'Job')
        delete (object.spec as { ttlSecondsAfterFinished?: number }).ttlSecondsAfterFinished;
      return { ...d, object };
    });
    // As Argo CD leaves a hook it was still watching: holding argocd.argoproj.io/hook-finalizer.
    await kubectl(
      ['apply', '-n', ns, '-f', '-'],
      JSON.stringify({
        ...desired[0]!.object,
        metadata: {
          ...desired[0]!.object.metadata,
          namespace: ns,
          finalizers: ['argocd.argoproj.io/hook-finalizer'],
        },
      }),
    );
    const before = await kubectl([
      'get',
      'job',
      '-n',
      ns,
      'admission-create',
      '-o',
      'jsonpath={.metadata.uid}',
    ]);

    const state = await runSync(bed.rm, {
      desired,
      inventory: [],
      options: { destinationNamespace: ns, pollIntervalMs: 200, timeoutMs: 60_000 },
    });

    expect(state.message).toMatch(/^successfully synced/);
    const after = await kubectl([
      'get',
      'job',
      '-n',
      ns,
      'admission-create',
      '-o',
      'jsonpath={.metadata.uid} {.metadata.finalizers}',
    ]);
    // A new Job, and released: its result was read.
    expect(after.split(' ')[0]).not.toBe(before);
    expect(after).not.toContain('finalizer');
  });
});
