/** Why a wake-up was sent. */
export type SyncReason =
  'webhook' | 'manual' | 'drift' | 'retry' | 'continue' | 'poll' | 'refresh' | 'delete';

/** A queued wake-up: "look at app X (reason; not before T)". State lives in the store, not here. */
export interface SyncJob {
  app: string;
  reason: SyncReason;
  /** For webhook jobs: the pushed SHA (the worker still resolves the branch head: newest wins). */
  revision?: string;
  /** Webhook delivery id, for logs. */
  deliveryId?: string;
  /**
   * For delete jobs: a cascade delete the API queued, because only the worker reaches clusters.
   * Carried in the message (not the store): a lost one leaves the app in place, nothing else.
   */
  deletion?: { cascade: boolean; propagationPolicy: 'Foreground' | 'Background' | 'Orphan' };
  /** When it was first requested (epoch ms), for queue-lag metrics. */
  requestedAt: number;
}
