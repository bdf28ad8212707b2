// App dependencies at wake-up time (domain/app-dependencies.ts): which dependencies keep an app
// waiting (data for decide.ts), recording the wait, and waking the waiting dependants when an app
// becomes Synced and Healthy. The wait costs no worker: nothing sleeps, a wake-up ends it.
import { wakeUpGroup } from '../domain/sync-job.js';
import type { App } from '../domain/app.js';
import { dependsOn, notReadyBecause } from '../domain/app-dependencies.js';
import type { AppStatus } from '../domain/status.js';
import type { Lease, SyncRequest } from '../ports/state-store.js';
import { blankStatus } from './app-status.js';
import { commitStep, type Control } from './deps.js';

export const dependencyWaitingCondition = 'DependencyWaiting';

/** The dependencies not ready, each with why (`db: it is OutOfSync and Progressing`). */
export async function dependenciesNotReady(c: Control, app: App): Promise<string[]> {
  const names = dependsOn(app);
  const reasons = await Promise.all(
    names.map(async (name) => {
      const [dep, status, request] = await Promise.all([
        c.store.getApp(name),
        c.store.getStatus(name),
        c.store.getSyncRequest(name),
      ]);
      const why = notReadyBecause(status, dep !== undefined, request !== undefined);
      return why ? `${name} (${why})` : undefined;
    }),
  );
  return reasons.filter((r): r is string => r !== undefined);
}

/** Records the wait in status (sync state kept) and consumes the request: no wake-up is sent. */
export async function recordDependencyWait(
  c: Control,
  lease: Lease,
  app: App,
  waitingFor: string[],
  status: AppStatus | undefined,
  request: SyncRequest | undefined,
): Promise<void> {
  const message = `waiting for ${waitingFor.join(', ')}`;
  await commitStep(c, lease, {
    status: {
      ...blankStatus(app.name, status),
      conditions: [
        ...(status?.conditions ?? []).filter((k) => k.type !== dependencyWaitingCondition),
        { type: dependencyWaitingCondition, message, at: new Date(c.clock.now()).toISOString() },
      ],
    },
    consumedRequestAt: request?.requestedAt,
  });
  c.log.info('sync waits for dependencies', { app: app.name, waitingFor });
}

/**
 * After a wake-up: if the app became ready (Synced, Healthy, at rest), wake the apps waiting for
 * it. Only apps that recorded a wait are woken; the drift check wakes any other.
 */
export async function wakeDependantsIfReady(
  c: Control,
  name: string,
  before: AppStatus | undefined,
): Promise<void> {
  const after = await c.store.getStatus(name);
  if (notReadyBecause(after, true, false) || !notReadyBecause(before, true, false)) return;
  const waiting = await c.store.listLinkedApps('dependsOn', name);
  for (const dependant of waiting) {
    const s = await c.store.getStatus(dependant.name);
    if (!s?.conditions?.some((k) => k.type === dependencyWaitingCondition)) continue;
    await c.queue.send({
      app: dependant.name,
      reason: 'poll',
      requestedAt: c.clock.now(),
      group: wakeUpGroup(dependant),
    });
    c.log.info('dependency ready; waking its dependant', { app: dependant.name, dependency: name });
  }
}
