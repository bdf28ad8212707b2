// What a comparison of live with Git records beyond Synced/OutOfSync: the drift diff within the
// status's budget, the objects Git wants (for health), and — when Git cannot be rendered — sync
// Unknown with the error as a ComparisonError, as Argo CD shows it.
import type { ChangeSetEntry } from '../domain/change-set.js';
import type { ObjectRef } from '../domain/kube-object.js';
import type { AppStatus } from '../domain/status.js';
import type { ResourceManager } from '../engine/resource-manager.js';
import type { Lease, SyncRequest } from '../ports/state-store.js';
import { assessDesiredHealth } from './app-health.js';
import { blankStatus } from './app-status.js';
import { commitStep, type Control } from './deps.js';

/** Most diff text a status keeps: every object's diff in full up to this, then a count of the rest. */
export const maxDriftDiffBytes = 1024 * 1024;

/** The comparison's diffs, one after the other, within the status's budget. */
export function driftText(changes: ChangeSetEntry[]): string | undefined {
  const parts: string[] = [];
  let size = 0;
  for (const [i, ch] of changes.entries()) {
    const text = ch.diff ?? '';
    if (size + text.length > maxDriftDiffBytes) {
      parts.push(
        `… diffs of ${changes.length - i} more object(s) not shown (over ${maxDriftDiffBytes / 1024} KiB)\n`,
      );
      break;
    }
    parts.push(text);
    size += text.length;
  }
  return parts.join('\n') || undefined;
}

/** The objects a comparison found in Git (not those it would prune), for health. */
export function desiredRefs(results: ChangeSetEntry[]): ObjectRef[] {
  return results
    .filter((r) => !r.hookPhase && r.action !== 'pruned' && r.action !== 'skipped')
    .map((r) => r.ref);
}

/** Records that Git could not be rendered: sync Unknown with the error; health from what is deployed. */
export async function recordComparisonError(
  c: Control,
  lease: Lease,
  app: string,
  status: AppStatus | undefined,
  request: SyncRequest | undefined,
  rm: ResourceManager,
  inventory: ObjectRef[],
  revision: string,
  now: string,
  err: unknown,
): Promise<AppStatus> {
  const message = (err as Error).message;
  const health = await assessDesiredHealth(rm, inventory, []);
  const next: AppStatus = {
    ...blankStatus(app, status),
    sync: { status: 'Unknown', revision, comparedAt: now },
    health: health?.health ?? { status: 'Unknown' },
    conditions: [{ type: 'ComparisonError', message, at: now }],
    drift: { checkedAt: now, outOfSync: 0, error: message },
  };
  await commitStep(c, lease, { status: next, consumedRequestAt: request?.requestedAt });
  c.log.warn('app cannot be compared with Git', { app, revision, error: message });
  return next;
}
