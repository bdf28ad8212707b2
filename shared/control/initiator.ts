// Who started a sync, for its history entry (Argo CD's `initiatedBy`): the user a manual sync or
// rollback request names, else the control plane — a push (`webhook`), live state drifting from
// the deployed revision of a self-healing app (`self-heal`), or automated sync of a new revision
// or spec (`automated`).
import type { AppStatus, InitiatedBy } from '../domain/status.js';
import type { SyncJob } from '../domain/sync-job.js';
import type { SyncRequest } from '../ports/state-store.js';

export function initiatorOf(
  request: SyncRequest | undefined,
  job: Pick<SyncJob, 'reason'>,
  status: AppStatus | undefined,
  revision: string,
): InitiatedBy {
  if (request?.initiatedBy) return request.initiatedBy;
  const reason = request?.reason ?? job.reason;
  if (reason === 'webhook') return { username: 'webhook', automated: true };
  const sameRevision = status?.sync.revision === revision && status.sync.status === 'OutOfSync';
  return { username: sameRevision ? 'self-heal' : 'automated', automated: true };
}
