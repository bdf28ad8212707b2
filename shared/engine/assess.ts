import type { HealthStatus } from '../domain/health.js';
import { formatRef, refKey, type KubeObject, type ObjectRef } from '../domain/kube-object.js';
import { worstHealth } from './health.js';
import { readLiveState, type Keep, type LiveStateOptions, type LiveTarget } from './live-state.js';
import type { ResourceManager } from './resource-manager.js';

/** Live objects by refKey (undefined: read, and not there), as readLiveObjects returns them. */
export type LiveObjects = Map<string, KubeObject | undefined>;

export interface ResourceHealth {
  ref: ObjectRef;
  health?: HealthStatus;
}

/**
 * How the drift check and the per-cluster health rechecks read many apps' objects: one LIST per
 * kind and namespace, and one across the cluster for a kind spread over 3 namespaces or more when
 * that takes fewer pages; each object kept slim (what health and fingerprints read).
 */
export const batchReadOptions: Partial<LiveStateOptions> = {
  listThreshold: 1,
  clusterWideFrom: 3,
  slim: true,
};

/**
 * The live objects of many refs, of many apps, in one go: with batchReadOptions, one LIST per
 * kind and namespace (or across the cluster), however many apps and objects share them. Refs of kinds the cluster does not
 * serve are in `unserved` (and not in `live`). `keep` says what is kept of each object (see Keep).
 */
export async function readLiveObjects<T = KubeObject>(
  rm: ResourceManager,
  refs: ObjectRef[],
  opts: Partial<LiveStateOptions> = {},
  keep?: Keep<T>,
): Promise<{ live: Map<string, T | undefined>; unserved: Set<string> }> {
  const targets = new Map<string, LiveTarget>();
  const unserved = new Set<string>();
  for (const ref of refs) {
    const key = refKey(ref);
    if (targets.has(key) || unserved.has(key)) continue;
    const info = await rm.infoFor(ref);
    if (info) targets.set(key, { key, info, namespace: ref.namespace, name: ref.name });
    else unserved.add(key);
  }
  return { live: await readLiveState(rm.client, [...targets.values()], rm.run, opts, keep), unserved };
}

/**
 * Health of each object and of the whole app (worst wins), read with few requests. Objects in
 * `known` (read just before, for many apps at once) are not read again.
 */
export async function assessAppHealth(
  rm: ResourceManager,
  refs: ObjectRef[],
  known?: LiveObjects,
): Promise<{ health: HealthStatus; resources: ResourceHealth[] }> {
  const targets: (LiveTarget & { ref: ObjectRef })[] = [];
  const missingKinds: ObjectRef[] = [];
  for (const ref of refs) {
    const info = await rm.infoFor(ref);
    if (info) targets.push({ key: refKey(ref), info, namespace: ref.namespace, name: ref.name, ref });
    else missingKinds.push(ref);
  }
  const unread = targets.filter((t) => !known?.has(t.key));
  const live = unread.length > 0 ? await readLiveState(rm.client, unread, rm.run) : new Map();
  const objectOf = (key: string) => (live.has(key) ? live.get(key) : known?.get(key));
  const resources: ResourceHealth[] = [
    ...(await Promise.all(
      targets.map(async (t) => ({ ref: t.ref, health: await rm.assessHealth(objectOf(t.key)) })),
    )),
    ...missingKinds.map((ref) => ({ ref, health: { status: 'Missing' as const } })),
  ];
  return { health: appLevelHealth(resources), resources };
}

/**
 * The app's health: the worst of its resources'. Its message is the app's own, as in Argo CD: none
 * when Healthy (never one resource's "CRD is healthy"), else which object makes it so, and why.
 */
export function appLevelHealth(resources: ResourceHealth[]): HealthStatus {
  const worst = worstHealth(resources.map((r) => r.health).filter((h): h is HealthStatus => h !== undefined));
  if (worst.status === 'Healthy') return { status: 'Healthy' };
  const culprit = resources.find((r) => r.health === worst);
  return {
    status: worst.status,
    message: culprit
      ? `${formatRef(culprit.ref)}${worst.message ? `: ${worst.message}` : ` is ${worst.status}`}`
      : worst.message,
  };
}
