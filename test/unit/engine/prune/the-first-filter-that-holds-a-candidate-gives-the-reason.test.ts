import { heldBy, massPrune, pruneFilters } from '../../../../shared/engine/prune-filters.js';
import { objectWith } from '../fixtures.js';
import { candidate, liveObjects, options } from './support.js';

describe('heldBy and the order of the prune filters', () => {
  test('filters run in order: kind not served, Prune=false, resource-policy keep, another owner, data-bearing kind', () => {
    expect(pruneFilters.map((f) => f.name)).toEqual([
      'kind-not-served',
      'prune-disabled',
      'resource-policy-keep',
      'other-owner',
      'data-bearing-kind',
    ]);
  });

  test('every filter has its own name, so a held prune says which safeguard held it', () => {
    const names = [...pruneFilters.map((f) => f.name), massPrune.name];

    expect(new Set(names).size).toBe(names.length);
  });

  test('a Namespace marked Prune=false and adopted by another app is held by Prune=false, the first to hold it', () => {
    const ns = objectWith(
      'Namespace',
      { 'argocd.argoproj.io/sync-options': 'Prune=false', 'gitferry.dev/app': 'other-app' },
      { namespace: '' },
    );

    expect(heldBy(candidate(ns), options())).toEqual({ filter: 'prune-disabled', reason: 'Prune=false' });
  });

  test('an object no filter holds may be pruned', () => {
    expect(heldBy(candidate(liveObjects().get('plain')!), options())).toBeUndefined();
  });
});
