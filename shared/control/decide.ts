// What a wake-up should do, decided from data alone (the way Kubernetes controllers and Argo CD's
// app controller compare states, then act): no I/O here, so every case is a row in a table test.
import type { App } from '../domain/app.js';
import type { AppStatus } from '../domain/status.js';
import type { SyncJob } from '../domain/sync-job.js';
import type { StoredOperation, SyncRequest } from '../ports/state-store.js';
import { specFingerprintOf } from './operation-spec.js';
import { isAutomated } from './sync-options.js';
import type { WindowFacts } from './sync-windows.js';

export interface WakeUpFacts {
  job: SyncJob;
  app: App;
  status: AppStatus | undefined;
  request: SyncRequest | undefined;
  /** The operation in progress, if any. */
  operation: StoredOperation | undefined;
  /** The revision the app wants now (resolved; one SHA or chart version per source, space-joined). */
  revision: string;
  /** The project's sync windows for this app now (sync-windows.ts); absent when none concern it. */
  windows?: WindowFacts;
  /** Dependencies not Synced and Healthy yet (dependencies.ts), each with why. */
  waitingFor?: string[];
}

/**
 * - `continue-sync`: an operation is in progress; take its next step.
 * - `superseded`: a push of a revision older than the one deployed, which is still the head.
 * - `start-sync`: a manual or retry request, or automated with a new revision, drift to heal (unless
 *   the last attempt at this revision failed), or an interrupted operation.
 * - `refresh`: compare only (drift checks, health rechecks, manual apps, nothing new).
 */
export type WakeUpDecision =
  'continue-sync' | 'superseded' | 'start-sync' | 'refresh' | 'window-closed' | 'waiting';

/**
 * - `window-closed`: a sync would start, but a sync window keeps it closed (a running one goes on).
 * - `waiting`: a sync would start, but dependencies are not Synced and Healthy yet.
 */
export function decideWakeUp(f: WakeUpFacts): WakeUpDecision {
  const decision = decideSync(f);
  if (decision !== 'start-sync') return decision;
  // An automatic rollback is judged as a manual sync: it is a fix, not a roll forward.
  const manual = f.request?.reason === 'manual' || f.request?.reason === 'rollback';
  if (f.windows && !(manual ? f.windows.manual : f.windows.automated).open) return 'window-closed';
  // A manual sync is the user's override; every other sync waits for the app's dependencies.
  return !manual && f.waitingFor?.length ? 'waiting' : decision;
}

function decideSync(f: WakeUpFacts): WakeUpDecision {
  if (f.operation) return 'continue-sync';
  if (isSupersededPush(f)) return 'superseded';
  const manual = ['manual', 'retry', 'rollback'].includes(f.request?.reason ?? '');
  if (manual) return 'start-sync';
  if (!isAutomated(f.app)) return 'refresh';
  // A new revision, or a new source or destination since the last operation (Argo CD syncs both).
  const ranSpec = f.status?.operation?.spec;
  const changed =
    f.status?.sync.revision !== f.revision || (ranSpec !== undefined && ranSpec !== specFingerprintOf(f.app));
  // As Argo CD: self-heal never repeats an attempt that failed (or was terminated) at this same
  // revision — a new revision, a manual sync or the retry policy starts the next one.
  const last = f.status?.operation;
  const failedHere = (last?.phase === 'Failed' || last?.phase === 'Error') && last.revision === f.revision;
  const heal =
    f.status?.sync.status === 'OutOfSync' && (f.app.syncPolicy.automated?.selfHeal ?? false) && !failedHere;
  const interrupted = f.status?.operation?.phase === 'Running';
  return changed || heal || interrupted ? 'start-sync' : 'refresh';
}

/**
 * A webhook wake-up for a revision that is none of the app's resolved revisions (multi-source
 * apps resolve one per source), while the resolved head is already deployed. Never while pinned by
 * a rollback: pushes are not applied then, and are not "superseded" by an older pin either.
 */
function isSupersededPush({ job, app, status, revision }: WakeUpFacts): boolean {
  return (
    job.reason === 'webhook' &&
    Boolean(job.revision) &&
    !app.pinnedRevision &&
    !revision.split(' ').includes(job.revision!) &&
    status?.sync.revision === revision
  );
}

/**
 * A health recheck (sent after a sync or refresh while the app is Progressing) with nothing else
 * to do: no operation in progress and no request waiting. It reads health only; anything else
 * (a push, a manual sync) arrives with its own request and takes the full path.
 */
export function isHealthRecheck(
  job: SyncJob,
  operation: StoredOperation | undefined,
  request: SyncRequest | undefined,
): boolean {
  return job.reason === 'health' && !operation && !request;
}
