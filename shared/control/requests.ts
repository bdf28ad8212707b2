// What a user asks of an app: save it, sync it, refresh it, roll it back, unpin it. Each records
// the wish in the store first and then sends a wake-up (the worker reads the wish; the message
// only says "look at app X"), so a lost or duplicated message loses nothing: this file is the one
// place that protocol is written.
import type { App } from '../domain/app.js';
import { GitferryError } from '../domain/errors.js';
import type { InitiatedBy, SyncRun } from '../domain/status.js';
import { wakeUpGroup } from '../domain/sync-job.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { StateStore } from '../ports/state-store.js';

export interface RequestDeps {
  store: Pick<StateStore, 'getApp' | 'putApp' | 'requestSync' | 'listRuns'>;
  queue: Pick<JobQueue, 'send'>;
  now: () => number;
}

/** No run to roll back to: none earlier that succeeded, or no run with the id asked for. */
export class RollbackTargetError extends GitferryError {
  override name = 'RollbackTargetError';
}

/** How many of the newest deployed runs a rollback may pick from. */
export const rollbackWindow = 100;

/** What saving an app did: made a new one, replaced one with a different spec, or found it equal. */
export type SaveResult = 'created' | 'updated' | 'unchanged';

/** Stores an app (keeping a rollback pin it had) and wakes it to compare. */
export async function saveApp(
  deps: RequestDeps,
  app: App,
): Promise<{ created: boolean; result: SaveResult }> {
  const existing = await deps.store.getApp(app.name);
  const next = { ...app, pinnedRevision: existing?.pinnedRevision };
  await deps.store.putApp(next);
  const requestedAt = deps.now();
  // A new app's first wake-up is recorded as asked for: 10,000 apps registered at once wait
  // minutes in the queue, and the drift check leaves an app alone while its wake-up is on its way
  // instead of sending it another each tick. Only a new app's: an existing one may have a manual
  // sync or a push waiting, which this must not replace.
  if (!existing) await deps.store.requestSync(app.name, { reason: 'refresh', requestedAt });
  // Saved apps come in bulk (a script, an import, an app of apps): each counts against its cluster.
  await deps.queue.send({
    app: app.name,
    reason: 'refresh',
    requestedAt,
    group: wakeUpGroup(app),
  });
  const result = !existing ? 'created' : sameJson(existing, next) ? 'unchanged' : 'updated';
  return { created: !existing, result };
}

/** Equal as stored (JSON, key order and undefined members ignored). */
function sameJson(a: unknown, b: unknown): boolean {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
              .sort()
              .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
          )
        : v;
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** A manual sync, at an optional revision, with prune and dry run as asked. */
export async function requestManualSync(
  deps: RequestDeps,
  app: string,
  opts: { revision?: string; prune?: boolean; dryRun?: boolean; timeoutSeconds?: number } = {},
  initiatedBy?: InitiatedBy,
): Promise<number> {
  const requestedAt = deps.now();
  await deps.store.requestSync(app, {
    reason: 'manual',
    revision: opts.revision,
    prune: opts.prune === true,
    dryRun: opts.dryRun === true,
    ...(opts.timeoutSeconds !== undefined ? { timeoutSeconds: opts.timeoutSeconds } : {}),
    ...(initiatedBy ? { initiatedBy } : {}),
    requestedAt,
  });
  await deps.queue.send({ app, reason: 'manual', requestedAt });
  return requestedAt;
}

/** A comparison of live with Git, nothing applied (unless the app self-heals). */
export async function requestRefresh(deps: RequestDeps, app: string): Promise<number> {
  const requestedAt = deps.now();
  await deps.queue.send({ app, reason: 'refresh', requestedAt });
  return requestedAt;
}

/**
 * The run a rollback goes to: the one with `id`, or the newest successful one before the current
 * (runs newest first, superseded entries already left out: they were never applied).
 */
export function rollbackTarget(runs: SyncRun[], id: number | undefined): SyncRun | undefined {
  return id === undefined ? runs.filter((r) => r.phase === 'Succeeded')[1] : runs.find((r) => r.id === id);
}

/**
 * Rolls an app back to an earlier run's revision and pins it there until unpinned, so automated
 * sync does not move it forward again behind the user's back.
 */
export async function rollback(
  deps: RequestDeps,
  app: App,
  id: number | undefined,
  initiatedBy?: InitiatedBy,
): Promise<SyncRun> {
  const runs = await deps.store.listRuns(app.name, rollbackWindow, { includeSuperseded: false });
  const target = rollbackTarget(runs, id);
  if (!target)
    throw new RollbackTargetError(
      'rollback:no-target',
      id === undefined
        ? `Application/${app.name} has no earlier successful sync to roll back to`
        : `Application/${app.name} has no history entry ${id} among its ${rollbackWindow} newest deployed runs (superseded entries were never applied)`,
    );
  await deps.store.putApp({ ...app, pinnedRevision: target.revision });
  await requestManualSync(deps, app.name, { revision: target.revision }, initiatedBy);
  return target;
}

/** Lets automated sync move the app forward again. */
export async function unpin(deps: RequestDeps, app: App): Promise<void> {
  await deps.store.putApp({ ...app, pinnedRevision: undefined });
  await requestRefresh(deps, app.name);
}
