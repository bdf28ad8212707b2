// Status builders shared by the use cases: what an app's status says after a step, a refresh or
// a failure. Pure functions of their inputs.
import type { ChangeSetEntry } from '../domain/change-set.js';
import type { AppStatus } from '../domain/status.js';
import type { SyncState } from '../engine/sync-operation.js';
import type { StoredOperation } from '../ports/state-store.js';

/** Health is watched closely for 10 minutes after a sync; after that the drift schedule covers it. */
export const healthWatchMs = 10 * 60_000;

/** True while a sync Gitferry ran finished less than `healthWatchMs` ago. */
export function recentlySynced(status: AppStatus | undefined, now: number): boolean {
  const finished = status?.operation?.finishedAt ? Date.parse(status.operation.finishedAt) : Number.NaN;
  return Number.isFinite(finished) && now - finished < healthWatchMs;
}

/**
 * Degraded just after a sync can be the cluster's lag, not the outcome: a Deployment rolled back
 * to a ReplicaSet whose progress deadline had passed still reports ProgressDeadlineExceeded at its
 * new generation until its controller's next pass. For this long after a sync, health rechecks
 * read a Degraded app again, as they read a Progressing one.
 */
export const degradedSettleMs = 2 * 60_000;

/** Whether health rechecks read the app again: Progressing, or Degraded just after a sync. */
export function healthUnsettled(status: Pick<AppStatus, 'health' | 'operation'>, now: number): boolean {
  if (status.health.status === 'Progressing') return true;
  if (status.health.status !== 'Degraded') return false;
  const finished = status.operation?.finishedAt ? Date.parse(status.operation.finishedAt) : Number.NaN;
  return Number.isFinite(finished) && now - finished < degradedSettleMs;
}

/** The previous status, or an Unknown one for an app seen for the first time. */
export function blankStatus(app: string, previous: AppStatus | undefined): AppStatus {
  return previous ?? { app, sync: { status: 'Unknown' }, health: { status: 'Unknown' }, resources: [] };
}

/** The `operation` part of the status for an operation in a given phase. */
export function operationOf(
  op: StoredOperation,
  state: SyncState,
  phase: 'Running' | 'Succeeded' | 'Failed' | 'Error' | 'Terminating',
): NonNullable<AppStatus['operation']> {
  return {
    phase,
    message:
      phase === 'Running'
        ? state.waitingFor
          ? `waiting for ${state.waitingFor}`
          : 'running'
        : state.message,
    revision: op.revision,
    startedAt: new Date(op.startedAt).toISOString(),
    finishedAt: state.finishedAt,
    runId: op.runId,
  };
}

/** What a dry run's action says about a live object, as a resource row's message. */
const comparedMessages: Partial<Record<ChangeSetEntry['action'], string>> = {
  created: 'missing: requires create',
  configured: 'differs from Git: requires configure',
  replaced: 'differs from Git: requires replace',
  pruned: 'not in Git: would prune',
};

/**
 * Per-resource sync status and health from a step's results (hooks are not resources). After a
 * sync, what was created or configured is Synced; after a comparison (`compared`, a dry run) only
 * what is unchanged is: anything the dry run would write is OutOfSync, as Argo CD shows it.
 */
export function resourceStatuses(
  results: ChangeSetEntry[],
  health: { ref: ChangeSetEntry['ref']; health?: AppStatus['health'] }[] | undefined,
  opts: { compared?: boolean } = {},
): AppStatus['resources'] {
  const key = (ref: ChangeSetEntry['ref']) => `${ref.group}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
  const healthByKey = new Map((health ?? []).map((h) => [key(h.ref), h.health]));
  const synced = new Set(opts.compared ? ['unchanged'] : ['unchanged', 'created', 'configured', 'replaced']);
  return results
    .filter((r) => !r.hookPhase)
    .map((r) => ({
      ref: r.ref,
      status: r.action !== 'failed' && synced.has(r.action) ? 'Synced' : 'OutOfSync',
      health: healthByKey.get(key(r.ref)),
      message: opts.compared
        ? [comparedMessages[r.action], r.message].filter(Boolean).join('; ') || undefined
        : r.message,
    }));
}

/** The state of an operation whose fetch or render failed: nothing applied, nothing pruned. */
export function failedState(
  op: StoredOperation,
  inventory: SyncState['inventory'],
  message: string,
  now: number,
): SyncState {
  return {
    phase: 'Failed',
    message,
    startedAt: new Date(op.startedAt).toISOString(),
    finishedAt: new Date(now).toISOString(),
    tasks: [],
    cursor: 0,
    planned: [],
    prunes: [],
    warnings: [],
    results: [],
    hooks: [],
    inventory,
  };
}

/** Most diff text one history entry keeps (a dry run of a large chart diffs every missing object whole). */
export const maxRunDiffBytes = 1024 * 1024;

/** Results with their diffs kept in order up to `maxBytes`; later diffs say they were left out. */
export function withBoundedDiffs(results: ChangeSetEntry[], maxBytes = maxRunDiffBytes): ChangeSetEntry[] {
  let size = 0;
  return results.map((r) => {
    if (!r.diff) return r;
    size += r.diff.length;
    return size <= maxBytes
      ? r
      : { ...r, diff: `… diff not kept (this run's diffs exceed ${Math.round(maxBytes / 1024)} KiB)\n` };
  });
}
