// An app's health as Argo CD assesses it: over every object Git wants (Missing until it exists)
// and every object deployed, worst wins; an app with nothing deployed is Missing, never Healthy.
import type { HealthStatus } from '../domain/health.js';
import { refKey, type ObjectRef } from '../domain/kube-object.js';
import { assessAppHealth, type LiveObjects, type ResourceHealth } from '../engine/assess.js';
import type { ResourceManager } from '../engine/resource-manager.js';

/** Nothing rendered and nothing deployed, or nothing readable: what health says then. */
export const nothingDeployed: HealthStatus = { status: 'Missing', message: 'nothing deployed' };

/**
 * Health of the union of `deployed` (the inventory) and `desired` (what the render asks for).
 * Undefined when the cluster cannot be read (the caller records Unknown).
 */
export async function assessDesiredHealth(
  rm: ResourceManager,
  deployed: ObjectRef[],
  desired: ObjectRef[],
  known?: LiveObjects,
): Promise<{ health: HealthStatus; resources: ResourceHealth[] } | undefined> {
  const refs = new Map<string, ObjectRef>();
  for (const ref of [...deployed, ...desired]) if (!refs.has(refKey(ref))) refs.set(refKey(ref), ref);
  if (refs.size === 0) return { health: nothingDeployed, resources: [] };
  return assessAppHealth(rm, [...refs.values()], known).catch(() => undefined);
}
