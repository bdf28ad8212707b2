// Prune candidates for the prune filter tests, from test/fixtures/unit-engine/prune-live.yaml.
import { refOf, type InventoryEntry, type KubeObject } from '../../../../shared/domain/kube-object.js';
import type { PruneCandidate, PruneFilterOptions } from '../../../../shared/engine/prune-filters.js';
import { fixtureKubeObjects } from '../fixtures.js';

/** The app whose sync the candidates come from (what `$APP` is in the fixture). */
export const appName = 'shop';

/** The fixture's live objects, by name. */
export function liveObjects(): Map<string, KubeObject> {
  return new Map(fixtureKubeObjects('prune-live.yaml', { APP: appName }).map((o) => [o.metadata.name, o]));
}

/** A served candidate with its live copy. */
export function candidate(live: KubeObject): PruneCandidate {
  return { ref: refOf(live), served: true, live };
}

/** Filter options of an unconfirmed sync of `appName` whose inventory holds `inventorySize` objects. */
export function options(overrides: Partial<PruneFilterOptions> = {}, inventorySize = 4): PruneFilterOptions {
  const inventory: InventoryEntry[] = Array.from({ length: inventorySize }, (_, i) => ({
    group: '',
    version: 'v1',
    kind: 'ConfigMap',
    namespace: 'team-a',
    name: `cm-${i}`,
  }));
  return { appName, confirmPrune: false, maxUnconfirmedPrunes: 10, inventory, ...overrides };
}
