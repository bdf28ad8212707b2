import { GitferryError } from '../domain/errors.js';
import type { SyncJob } from '../domain/sync-job.js';

/** A queue message is not a sync job, or the queue refused an operation; `code` says which (queue:invalid…). */
export class JobQueueError extends GitferryError {
  override name = 'JobQueueError';
}

/** Wake-ups for the worker. A standard queue: per-message delays, at-least-once, no ordering. */
export interface JobQueue {
  /** delaySeconds ≤ 900 (SQS's limit); longer waits are chained by the worker. */
  send(job: SyncJob, opts?: { delaySeconds?: number }): Promise<void>;
}

export interface ReceivedJob {
  job: SyncJob;
  /** Opaque handle for delete. */
  receipt: string;
  /** How many times this message was received (1 on first delivery). */
  receiveCount: number;
}

/** A queue a process polls itself (local mode, tests); on AWS, Lambda's event source polls SQS. */
export interface PollingJobQueue extends JobQueue {
  receive(max: number, waitSeconds: number): Promise<ReceivedJob[]>;
  delete(receipt: string): Promise<void>;
}
