// The prune safeguards (safety item 24), one named filter each, in the way of cli-utils'
// ValidationFilter (filter/prevent-remove-filter.go…): a filter looks at one candidate and says why
// it must not be pruned now, or lets it through. The planner runs them in order and the first that
// holds a candidate gives its reason; what a filter holds is skipped and reported, never deleted.
import type { KubeObject, ObjectRef } from '../domain/kube-object.js';
import { annotationKeys, hasSyncOption, keepPolicyOf } from './annotations.js';
import type { PlanOptions } from './sync-options.js';

/** An inventory object the render no longer contains, as the planner found it on the cluster. */
export interface PruneCandidate {
  ref: ObjectRef;
  /** False when the cluster no longer serves the object's kind (its live copy cannot be read). */
  served: boolean;
  /** The live object, when its kind is served (objects already gone are not candidates). */
  live?: KubeObject;
}

export type PruneFilterOptions = Pick<
  PlanOptions,
  'appName' | 'confirmPrune' | 'maxUnconfirmedPrunes' | 'inventory'
>;

export interface PruneFilter {
  /** Names the safeguard; recorded as `heldBy` on every prune it holds. */
  readonly name: string;
  /** Why the candidate must not be pruned by this sync (the text after `<ref>: `), or undefined. */
  hold(candidate: PruneCandidate, opts: PruneFilterOptions): string | undefined;
}

/** A filter over the whole prune set, once the per-object filters have run. */
export interface PruneSetFilter {
  readonly name: string;
  /** Why none of these `pruning` objects may be pruned by this sync, or undefined. */
  hold(pruning: number, opts: PruneFilterOptions): string | undefined;
}

/** A kind the cluster stopped serving (its CRD is gone) leaves nothing to delete, and no way to. */
export const kindNotServed: PruneFilter = {
  name: 'kind-not-served',
  hold: (c) => (c.served ? undefined : 'kind no longer served by the cluster; nothing to prune'),
};

/** `argocd.argoproj.io/sync-options: Prune=false` on the live object: never pruned. */
export const pruneDisabled: PruneFilter = {
  name: 'prune-disabled',
  hold: (c) => (c.live && hasSyncOption(c.live, 'Prune', 'false') ? 'Prune=false' : undefined),
};

/** `helm.sh/resource-policy: keep` on the live object: never pruned (nor deleted with its app). */
export const resourcePolicyKeep: PruneFilter = {
  name: 'resource-policy-keep',
  hold: (c) => (c.live ? keepPolicyOf(c.live) : undefined),
};

/** Another app adopted the object since we applied it: it is theirs to keep or delete. */
export const otherOwner: PruneFilter = {
  name: 'other-owner',
  hold: (c, opts) => {
    const owner = c.live?.metadata.annotations?.[annotationKeys.trackingApp];
    return owner && opts.appName && owner !== opts.appName ? `now managed by app ${owner}` : undefined;
  },
};

/** Kinds whose prune deletes data (volumes, everything in a namespace, every custom resource of a CRD). */
const dataBearingKinds = new Set([
  '/Namespace',
  '/PersistentVolumeClaim',
  '/PersistentVolume',
  'apiextensions.k8s.io/CustomResourceDefinition',
]);

/** Namespaces, PVCs, PVs and CRDs are pruned only when a person confirmed the prune. */
export const dataBearingKind: PruneFilter = {
  name: 'data-bearing-kind',
  hold: (c, opts) =>
    !opts.confirmPrune && dataBearingKinds.has(`${c.ref.group}/${c.ref.kind}`)
      ? `held for confirmation (${c.ref.kind} prunes take data with them); run a manual sync with prune to delete it`
      : undefined,
};

/**
 * A render that drops most of an app at once is more often a mistake (a wrong path, a broken
 * overlay) than an intent: such a prune waits for a person too. Small apps are exempt up to
 * `maxUnconfirmedPrunes`, so removing two of three objects needs no confirmation.
 */
export const massPrune: PruneSetFilter = {
  name: 'mass-prune',
  hold: (pruning, opts) =>
    !opts.confirmPrune && pruning > opts.maxUnconfirmedPrunes && pruning > opts.inventory.length / 2
      ? `held for confirmation (this sync would prune ${pruning} of ${opts.inventory.length} objects); run a manual sync with prune to delete them`
      : undefined,
};

/** The per-object filters, in the order their reasons win. */
export const pruneFilters: readonly PruneFilter[] = [
  kindNotServed,
  pruneDisabled,
  resourcePolicyKeep,
  otherOwner,
  dataBearingKind,
];

/** The first filter that holds the candidate, with its reason; undefined when it may be pruned. */
export function heldBy(
  candidate: PruneCandidate,
  opts: PruneFilterOptions,
  filters: readonly PruneFilter[] = pruneFilters,
): { filter: string; reason: string } | undefined {
  for (const f of filters) {
    const reason = f.hold(candidate, opts);
    if (reason !== undefined) return { filter: f.name, reason };
  }
  return undefined;
}
