import { wakeUpGroup } from '../domain/sync-job.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { StateStore } from '../ports/state-store.js';

/**
 * One drift wake-up per app, each delayed by a random jitter so a thousand apps don't hit their
 * clusters and git hosts in the same second. Returns how many were sent.
 */
export async function enqueueDriftChecks(deps: {
  store: StateStore;
  queue: JobQueue;
  now: () => number;
  jitterSeconds: number;
  random?: () => number;
}): Promise<number> {
  const random = deps.random ?? Math.random;
  const apps = await deps.store.listApps();
  await Promise.all(
    apps.map((app) =>
      deps.queue.send(
        { app: app.name, reason: 'drift', requestedAt: deps.now(), group: wakeUpGroup(app) },
        { delaySeconds: Math.floor(random() * deps.jitterSeconds) },
      ),
    ),
  );
  return apps.length;
}
