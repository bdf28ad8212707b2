import type { ObjectRef } from './kube-object.js';
import type { HealthStatus } from './health.js';

/** What happened (or, in a dry run, would happen) to one object. */
export type ChangeAction =
  'created' | 'configured' | 'unchanged' | 'replaced' | 'pruned' | 'skipped' | 'failed';

export interface ChangeSetEntry {
  ref: ObjectRef;
  action: ChangeAction;
  /** Sync wave the object was applied (or pruned) in. */
  wave?: number;
  /** Set for hooks: the hook phase it ran in. */
  hookPhase?: string;
  /** Why it was skipped or failed; names the object and carries the API server's reason. */
  message?: string;
  /** Unified diff, Secret values masked. */
  diff?: string;
  health?: HealthStatus;
}

export function summarize(entries: ChangeSetEntry[]): Record<ChangeAction, number> {
  const counts: Record<ChangeAction, number> = {
    created: 0,
    configured: 0,
    unchanged: 0,
    replaced: 0,
    pruned: 0,
    skipped: 0,
    failed: 0,
  };
  for (const e of entries) counts[e.action]++;
  return counts;
}
