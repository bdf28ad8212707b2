import type { ChangeSetEntry } from './change-set.js';
import type { HealthStatus } from './health.js';
import type { ObjectRef } from './kube-object.js';

export type SyncStatusCode = 'Synced' | 'OutOfSync' | 'Unknown';
export type OperationPhase = 'Running' | 'Terminating' | 'Failed' | 'Error' | 'Succeeded';

/**
 * Who started a sync (Argo CD's `operation.initiatedBy`): a user (subject, groups, token id), or
 * the control plane itself, `automated: true` with username `webhook`, `automated` or `self-heal`.
 */
export interface InitiatedBy {
  username: string;
  groups?: string[];
  tokenId?: string;
  automated?: boolean;
}

/** One execution of a sync: the history. */
export interface SyncRun {
  app: string;
  id: number;
  revision: string;
  reason: string;
  phase: OperationPhase;
  message?: string;
  startedAt: string;
  finishedAt?: string;
  results: ChangeSetEntry[];
  /** An older revision arriving after a newer one was recorded, not applied. */
  superseded?: boolean;
  /** Who started it (absent in runs recorded before this was kept). */
  initiatedBy?: InitiatedBy;
}

/** An app's current status, as Argo CD models it. */
export interface AppStatus {
  app: string;
  sync: {
    status: SyncStatusCode;
    revision?: string;
    comparedAt?: string;
    /**
     * What the comparison was made with (the app's sources and destination at `revision`, as a
     * digest): a drift check that finds the same key and the same branch heads need not render.
     */
    renderKey?: string;
  };
  health: HealthStatus;
  operation?: {
    phase: OperationPhase;
    message?: string;
    revision?: string;
    startedAt: string;
    finishedAt?: string;
    runId?: number;
    /** The request the operation serves (its `requestedAt`): `app sync` waits for its own. */
    requestedAt?: number;
    /** Fingerprint of the spec (sources, destination) the operation ran with. */
    spec?: string;
  };
  resources: { ref: ObjectRef; status: SyncStatusCode; health?: HealthStatus; message?: string }[];
  /** Newest revision asked for (webhook, manual); the worker resolves the branch head anyway. */
  wantedRevision?: string;
  /** Problems that keep Gitferry from comparing or syncing (Argo CD's ComparisonError and friends). */
  conditions?: {
    type:
      | 'ComparisonError'
      | 'InvalidSpecError'
      | 'SyncError'
      | 'SharedResourceWarning'
      | 'SyncWindowClosed'
      | 'DependencyWaiting'
      | 'PromotionWaiting'
      | 'NotificationError';
    message: string;
    at: string;
  }[];
  /**
   * Notifications already sent for conditions that still hold (trigger, service, recipient,
   * revision): a trigger sends again only after its condition was false (shared/notify/plan.ts).
   */
  notifications?: { sent: string[] };
  /** The current Healthy streak: Synced and Healthy at `revision` since `since` (absent otherwise). */
  healthy?: { revision: string; since: string };
  /** Revisions seen Synced and Healthy, newest first (bounded): where an automatic rollback goes. */
  healthyRevisions?: string[];
  /**
   * The last automatic rollback (`gitferry.dev/auto-rollback`): from the bad revision to the last
   * Healthy one (`to` absent when there was none), why and when. One per bad revision.
   */
  autoRollback?: { from: string; to?: string; at: string; reason: string };
  /** What the last drift check found. */
  drift?: {
    checkedAt: string;
    outOfSync: number;
    /** Every difference: changed objects, missing ones whole as added, prunable ones whole as removed. */
    diff?: string;
    /** Why Git could not be compared with (render or dry-run error); the diff is then unknown. */
    error?: string;
  };
}

/** What an app list shows of a status: its sync and health codes, revision and last operation. */
export interface ListedStatus {
  sync: SyncStatusCode;
  health: HealthStatus['status'];
  revision?: string;
  operation?: { phase: OperationPhase; startedAt: string; finishedAt?: string };
}

/** The listed fields of a status (an app never compared: Unknown, Unknown). */
export function listedStatusOf(status: AppStatus | undefined): ListedStatus {
  const op = status?.operation;
  return {
    sync: status?.sync.status ?? 'Unknown',
    health: status?.health.status ?? 'Unknown',
    ...(status?.sync.revision !== undefined ? { revision: status.sync.revision } : {}),
    ...(op
      ? {
          operation: {
            phase: op.phase,
            startedAt: op.startedAt,
            ...(op.finishedAt !== undefined ? { finishedAt: op.finishedAt } : {}),
          },
        }
      : {}),
  };
}
