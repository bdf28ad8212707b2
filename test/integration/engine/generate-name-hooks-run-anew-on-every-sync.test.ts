import { runSync, type SyncState } from '../../../shared/engine/sync-operation.js';
import { engineNamespace, fixtureObjects } from '../../support/engine.js';
import { kubectl } from '../../support/testbed.js';

describe('hooks with generateName', () => {
  const bed = engineNamespace('eng-hook-gen');
  const { ns } = bed;
  const hookRuns = (s: SyncState) =>
    s.results.filter((r) => r.hookPhase).map((r) => `${r.hookPhase}:${r.ref.name}`);
  const jobs = async () =>
    (await kubectl(['get', 'jobs', '-n', ns, '-o', 'jsonpath={.items[*].metadata.name}']))
      .split(' ')
      .filter(Boolean)
      .sort();

  test('a hook-heavy app synced twice creates two runs of each hook under generated names, in weight order, with delete policies honoured', async () => {
    const desired = fixtureObjects('hooks/generate-name.yaml', ns);
    const options = { destinationNamespace: ns, appName: 'hooky', pollIntervalMs: 200, timeoutMs: 90_000 };

    const first = await runSync(bed.rm, { desired, inventory: [], options });
    expect(first.message).toMatch(/^successfully synced/);
    const firstRuns = hookRuns(first);
    // Weight -5 (db-init) ends before wave 1 (db-migrate) starts; PostSync after the resources.
    expect(firstRuns).toEqual([
      expect.stringMatching(/^PreSync:db-init-[a-z0-9]{5}$/),
      expect.stringMatching(/^PreSync:db-migrate-[a-z0-9]{5}$/),
      expect.stringMatching(/^PostSync:smoke-[a-z0-9]{5}$/),
    ]);
    // hook-succeeded: db-init is gone; the others are kept until the next run (BeforeHookCreation).
    const names = (runs: string[]) => runs.map((r) => r.split(':')[1]!);
    const [, migrate1, smoke1] = names(firstRuns);
    expect(await jobs()).toEqual([migrate1, smoke1].sort());
    // Hooks are never inventory: nothing of them is pruned, history knows them by the generated name.
    expect(first.inventory.map((r) => r.name)).toEqual(['app-config']);

    const second = await runSync(bed.rm, { desired, inventory: first.inventory, options });
    expect(second.message).toMatch(/^successfully synced/);
    const secondNames = names(hookRuns(second));
    expect(secondNames).toHaveLength(3);
    for (const n of secondNames) expect(names(firstRuns)).not.toContain(n);
    // The previous run's db-migrate and smoke Jobs were deleted before the new ones were created.
    expect(await jobs()).toEqual([secondNames[1], secondNames[2]].sort());
  });
});
