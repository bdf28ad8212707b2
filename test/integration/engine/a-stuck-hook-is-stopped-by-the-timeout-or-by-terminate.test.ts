import { runSync, stepSync, terminateSync } from '../../../shared/engine/sync-operation.js';
import { engineNamespace, fixtureObjects } from '../../support/engine.js';
import { eventually, kubectl } from '../../support/testbed.js';

describe('a hook that never ends', () => {
  const bed = engineNamespace('eng-hook-stuck');
  const { ns } = bed;
  const job = async () =>
    (await kubectl(['get', 'job', '-n', ns, 'stuck-migrate', '--ignore-not-found', '-o', 'name'])).trim();
  const gone = () =>
    eventually('the stuck Job deleted', async () => ((await job()) === '' ? true : undefined));

  test('is stopped by the operation timeout: the sync fails saying why, and the running hook is deleted and recorded', async () => {
    const desired = fixtureObjects('hooks/stuck-hook.yaml', ns);
    const state = await runSync(bed.rm, {
      desired,
      inventory: [],
      options: { destinationNamespace: ns, pollIntervalMs: 300, timeoutMs: 3_000 },
    });
    expect(state.phase).toBe('Failed');
    expect(state.message).toBe(
      `sync timed out after 3 s waiting for Job/${ns}/stuck-migrate (PreSync hook); running hooks deleted: Job/${ns}/stuck-migrate`,
    );
    expect(state.results).toEqual([
      expect.objectContaining({
        ref: expect.objectContaining({ name: 'stuck-migrate' }),
        action: 'failed',
        hookPhase: 'PreSync',
        message: 'sync timed out: deleted while running',
      }),
    ]);
    await gone();
    expect(
      await kubectl(['get', 'configmap', '-n', ns, 'never-applied', '--ignore-not-found', '-o', 'name']),
    ).toBe('');
  });

  test('is stopped by terminate: the sync ends Failed with the reason, the running hook deleted and recorded', async () => {
    const desired = fixtureObjects('hooks/stuck-hook.yaml', ns);
    const input = { desired, inventory: [], options: { destinationNamespace: ns, pollIntervalMs: 300 } };
    const { state: waiting } = await stepSync(bed.rm, input);
    expect(waiting.waitingFor).toBe(`Job/${ns}/stuck-migrate (PreSync hook)`);
    expect(await job()).toBe('job.batch/stuck-migrate');

    const ended = await terminateSync(bed.rm, waiting, 'operation terminated by admin');
    expect(ended.phase).toBe('Failed');
    expect(ended.message).toBe(
      `operation terminated by admin; running hooks deleted: Job/${ns}/stuck-migrate`,
    );
    expect(ended.hooks.map((h) => h.status)).toEqual(['Failed']);
    await gone();
    // A terminated state steps no further.
    expect((await stepSync(bed.rm, input, ended)).state).toEqual(ended);
  });
});
