import type { HealthStatus } from '../domain/health.js';
import { formatRef, refKey, type ObjectRef } from '../domain/kube-object.js';
import { worstHealth } from './health.js';
import { readLiveState, type LiveTarget } from './live-state.js';
import type { ResourceManager } from './resource-manager.js';

export interface ResourceHealth {
  ref: ObjectRef;
  health?: HealthStatus;
}

/** Health of each object and of the whole app (worst wins), read with few requests. */
export async function assessAppHealth(
  rm: ResourceManager,
  refs: ObjectRef[],
): Promise<{ health: HealthStatus; resources: ResourceHealth[] }> {
  const targets: (LiveTarget & { ref: ObjectRef })[] = [];
  const missingKinds: ObjectRef[] = [];
  for (const ref of refs) {
    const info = await rm.infoFor(ref);
    if (info) targets.push({ key: refKey(ref), info, namespace: ref.namespace, name: ref.name, ref });
    else missingKinds.push(ref);
  }
  const live = await readLiveState(rm.client, targets, rm.run);
  const resources: ResourceHealth[] = [
    ...(await Promise.all(
      targets.map(async (t) => ({ ref: t.ref, health: await rm.assessHealth(live.get(t.key)) })),
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
