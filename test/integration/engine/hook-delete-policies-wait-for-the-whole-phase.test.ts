import { runSync, type SyncState } from '../../../shared/engine/sync-operation.js';
import { engineNamespace, fixtureObjects } from '../../support/engine.js';
import { kubectl } from '../../support/testbed.js';

describe('hook delete policies per phase', () => {
  const bed = engineNamespace('eng-hook-phase');
  const { ns } = bed;
  const sequence = (s: SyncState) =>
    s.results.map((r) => `${r.hookPhase ?? 'resource'}:${r.ref.kind}/${r.ref.name}:${r.action}`);

  test('hook ServiceAccount, Role and RoleBinding outlive the hook Jobs that run as them, then go with them', async () => {
    const desired = fixtureObjects('hooks/service-account-and-job.yaml', ns);
    const options = { destinationNamespace: ns, pollIntervalMs: 200, timeoutMs: 90_000 };
    const state = await runSync(bed.rm, { desired, inventory: [], options });

    expect(state.message).toMatch(/^successfully synced/);
    // Both Jobs ran to completion (a Job whose ServiceAccount was deleted first never gets a Pod).
    expect(sequence(state).filter((s) => s.includes(':Job/'))).toEqual([
      'PreSync:Job/admission-create:created',
      'PostSync:Job/admission-patch:created',
    ]);
    // The identity hooks ran in both phases (pre- and post-install), and every hook-succeeded hook is gone.
    expect(state.hooks.filter((h) => h.ref.kind === 'ServiceAccount').map((h) => h.phase)).toEqual([
      'PreSync',
      'PostSync',
    ]);
    expect(state.hooks.every((h) => h.settled && h.status === 'Succeeded')).toBe(true);
    const left = await kubectl(['get', 'jobs,serviceaccounts,roles,rolebindings', '-n', ns, '-o', 'name']);
    expect(left.split('\n').filter((n) => n.includes('admission'))).toEqual([]);

    // A second sync (an upgrade) runs them all again.
    const again = await runSync(bed.rm, { desired, inventory: state.inventory, options });
    expect(again.message).toMatch(/^successfully synced/);
  });
});
