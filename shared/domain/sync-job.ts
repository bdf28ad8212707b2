import { createHash } from 'node:crypto';
import type { App } from './app.js';
import type { PullRequestTarget } from './pull-request.js';

/** Why a wake-up was sent. */
export type SyncReason =
  | 'webhook'
  | 'manual'
  | 'drift'
  | 'retry'
  | 'continue'
  | 'poll'
  | 'refresh'
  | 'health'
  | 'delete'
  | 'terminate'
  /** An automatic rollback (`gitferry.dev/auto-rollback`) to the last Healthy revision. */
  | 'rollback'
  /** A staged rollout's stage whose previous stage may have soaked (`gitferry.dev/promote-after`). */
  | 'promote'
  | 'preview';

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
  /**
   * For preview jobs: the pull or merge request whose head is rendered and dry-run against the
   * app's cluster, the result posted on it (shared/preview/). Nothing of the app's state changes.
   */
  preview?: PullRequestTarget;
  /**
   * For health rechecks: the cluster whose Progressing apps are all rechecked by this one wake-up
   * (control/cluster-health-recheck.ts); `app` is then the app whose sync started the chain.
   */
  cluster?: string;
  /**
   * The tenant this wake-up counts against when the queue is shared fairly: the app's destination
   * cluster (wakeUpGroup). A cluster with a backlog (a thousand apps registered or pushed at once,
   * a cluster that answers slowly) then takes no more than its share of the workers, and a wake-up
   * for another cluster goes first. SQS fair queues read it as MessageGroupId; serve's queue picks
   * the group with the fewest wake-ups in flight. A wake-up without one (a person's request from
   * the API) has none: SQS counts each such message as a tenant of its own, serve's queue puts them
   * all in one tenant of their own.
   */
  group?: string;
  /** When it was first requested (epoch ms), for queue-lag metrics. */
  requestedAt: number;
  /**
   * How many wake-ups came before this one in its chain of self-sent wake-ups (sync steps that
   * wait, health rechecks, busy retries); absent or 0 for a fresh one. Chains are bounded by it
   * (control/wake-bounds.ts), so no chain loops through the queue for ever.
   */
  hop?: number;
  /** When the operation or chain this wake-up continues started (epoch ms). */
  chainStartedAt?: number;
  /** Times in a row this wake-up found its app's lease held and came back (bounded too). */
  busyRetries?: number;
}

/** SQS's MessageGroupId: 1 to 128 characters, each printable ASCII other than space. */
const groupIdPattern = /^[\x21-\x7e]{1,128}$/;

/**
 * The fairness group of an app's wake-ups: its destination cluster, by the name or server the app
 * gives (Argo CD takes one or the other). A value SQS would refuse as a MessageGroupId (too long,
 * a space, a control or non-ASCII character: an Application is a tenant's input) is replaced by its
 * hash, so any destination gives a valid group and two destinations never share one by accident.
 */
export function wakeUpGroup(app: Pick<App, 'destination'>): string {
  const d = app.destination;
  const cluster = d.name ? `name:${d.name}` : `server:${d.server ?? ''}`;
  return groupIdPattern.test(cluster)
    ? cluster
    : `sha256:${createHash('sha256').update(cluster).digest('hex').slice(0, 40)}`;
}

/** Whether `group` may be sent as a MessageGroupId (a job read back from a queue is checked again). */
export function isWakeUpGroup(group: unknown): group is string {
  return typeof group === 'string' && groupIdPattern.test(group);
}
