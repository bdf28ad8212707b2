// Automatic rollback (`gitferry.dev/auto-rollback: "10m"`, domain/delivery-annotations.ts): after
// each wake-up, the app's Healthy revisions are recorded, and an app that turned Degraded (or whose
// PostSync hook failed) within the window after a sync is synced back to the last revision that was
// Healthy and pinned there, as a manual rollback pins. One rollback per bad revision, never from a
// pinned app: it cannot loop. The pin lasts until a new revision arrives (releaseAutoPin) or a user
// unpins. Driven by wake-ups (the sync's health rechecks, the drift check), never by sleeping.
import type { App } from '../domain/app.js';
import { autoRollbackWindowMs, promotionOf } from '../domain/delivery-annotations.js';
import type { AppStatus, SyncRun } from '../domain/status.js';
import type { Lease, SyncRequest } from '../ports/state-store.js';
import { commitStep, type Control } from './deps.js';
import { resolveAppRevision } from './desired-state.js';
import { notifyStatusChange } from './notifications.js';

/** How many Healthy revisions the status keeps. */
export const healthyRevisionsKept = 10;

/** The status with its Healthy streak and revisions brought up to date, or undefined if unchanged. */
export function withHealthyRecord(status: AppStatus, running: boolean, now: number): AppStatus | undefined {
  const revision = status.sync.revision;
  const healthy =
    !running && status.sync.status === 'Synced' && status.health.status === 'Healthy' && revision;
  if (!healthy) return status.healthy ? { ...status, healthy: undefined } : undefined;
  if (status.healthy?.revision === revision) return undefined;
  return {
    ...status,
    healthy: { revision, since: new Date(now).toISOString() },
    healthyRevisions: [revision, ...(status.healthyRevisions ?? []).filter((r) => r !== revision)].slice(
      0,
      healthyRevisionsKept,
    ),
  };
}

export interface RollbackDecision {
  from: string;
  to?: string;
  reason: string;
}

/**
 * Whether to roll back now: the annotation is set, no operation is in progress, the app is not
 * pinned, its last sync finished within the window, it was not rolled back from this revision
 * before, and it is Degraded at that revision or its PostSync hook failed (`lastRun`). Pure.
 */
export function decideAutoRollback(
  app: App,
  status: AppStatus | undefined,
  running: boolean,
  lastRun: SyncRun | undefined,
  now: number,
): RollbackDecision | undefined {
  const windowMs = autoRollbackWindowMs(app);
  const op = status?.operation;
  if (!status || windowMs === undefined || running || app.pinnedRevision || !op?.revision || !op.finishedAt)
    return undefined;
  const from = op.revision;
  if (status.autoRollback?.from === from) return undefined;
  if (now - Date.parse(op.finishedAt) > windowMs) return undefined;
  let reason: string | undefined;
  if (status.health.status === 'Degraded' && status.sync.revision === from)
    reason = `Degraded${status.health.message ? `: ${status.health.message}` : ''}`;
  else if (op.phase === 'Failed' && lastRun?.revision === from) {
    const hook = lastRun.results.find((r) => r.hookPhase === 'PostSync' && r.action === 'failed');
    if (hook) reason = `PostSync hook failed${hook.message ? `: ${hook.message}` : ''}`;
  }
  if (!reason) return undefined;
  const to = status.healthyRevisions?.find((r) => r !== from);
  return { from, ...(to ? { to } : {}), reason: reason.slice(0, 1000) };
}

/**
 * After a wake-up, under its lease: records Healthy revisions, and rolls back if decideAutoRollback
 * says so. Returns what it did, for the log and the tests.
 */
export async function afterWakeUpForRollback(
  c: Control,
  lease: Lease,
  name: string,
): Promise<RollbackDecision | undefined> {
  const [app, stored, operation] = await Promise.all([
    c.store.getApp(name),
    c.store.getStatus(name),
    c.store.getOperation(name),
  ]);
  if (!app || !stored) return undefined;
  const now = c.clock.now();
  const running = operation !== undefined || stored.operation?.phase === 'Running';
  const recorded = withHealthyRecord(stored, running, now);
  if (recorded) await commitStep(c, lease, { status: recorded });
  const status = recorded ?? stored;
  const lastRun =
    status.operation?.phase === 'Failed' && autoRollbackWindowMs(app) !== undefined
      ? (await c.store.listRuns(name, 1, { includeSuperseded: false }))[0]
      : undefined;
  const decision = decideAutoRollback(app, status, running, lastRun, now);
  if (!decision) return undefined;
  const at = new Date(now).toISOString();
  const next: AppStatus = { ...status, autoRollback: { ...decision, at } };
  if (decision.to) {
    // As `gitferry app rollback` does: pin, then ask for the sync. The wish is in the store; the
    // wake-up is the one releasing the lease sends for a request newer than it took (wake-up.ts).
    await c.store.putApp({ ...app, pinnedRevision: decision.to });
    const request: SyncRequest = { reason: 'rollback', revision: decision.to, requestedAt: now };
    await c.store.requestSync(name, request);
    await commitStep(c, lease, { status: next });
    c.log.warn('automatic rollback', { app: name, ...decision });
  } else {
    await commitStep(c, lease, { status: next });
    c.log.warn('automatic rollback impossible: no revision was Healthy before', { app: name, ...decision });
  }
  await notifyStatusChange(c, lease, app, status, next);
  return decision;
}

/**
 * A pin an automatic rollback set is released once a new revision arrives (the branch head, or the
 * previous stage's, is no longer the one rolled back from). Returns the app to work with.
 */
export async function releaseAutoPin(c: Control, app: App, status: AppStatus | undefined): Promise<App> {
  const rolled = status?.autoRollback;
  if (!app.pinnedRevision || !rolled?.to || rolled.to !== app.pinnedRevision) return app;
  const unpinned = { ...app, pinnedRevision: undefined };
  const head = await resolveAppRevision(c, unpinned, undefined);
  if (head === rolled.from) return app;
  await c.store.putApp(unpinned);
  c.log.info('new revision after an automatic rollback: pin released', {
    app: app.name,
    from: rolled.from,
    head,
  });
  return unpinned;
}

/** Why a run started, for its history entry: an automatic rollback's cause, a promotion's stage. */
export function runReasonNote(reason: string, app: App, status: AppStatus | undefined): string | undefined {
  const rolled = status?.autoRollback;
  if (reason === 'rollback' && rolled?.to)
    return `automatic rollback from ${rolled.from.slice(0, 12)} (${rolled.reason.slice(0, 300)})`;
  const after = promotionOf(app)?.after;
  if (reason === 'promote' && after) return `promoted after ${after}`;
  return undefined;
}
