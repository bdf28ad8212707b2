import type { HealthStatus } from '../domain/health.js';
import { refKey, type ObjectRef } from '../domain/kube-object.js';
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
  return {
    health: worstHealth(resources.map((r) => r.health).filter((h): h is HealthStatus => h !== undefined)),
    resources,
  };
}
