// App deletion and terminate-op on the AWS API function, which has no access to any cluster:
// deleting the app's objects (cascade) or an operation's running hooks is queued for the worker,
// which holds the cluster access and takes the app's lease as any wake-up does; a plain delete (no
// cascade) touches the store only and runs here.
import { AppBusyError } from '../domain/errors.js';
import type { SyncJob } from '../domain/sync-job.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { StateStore } from '../ports/state-store.js';
import type { AppDeleter, DeleteAppOptions, DeleteAppResult } from './delete-app.js';
import { NoOperationError, type OperationTerminator, type TerminateResult } from './terminate-operation.js';

/** What the API answers for a queued cascade delete. */
export type QueuedDeleteResult = DeleteAppResult & { queued?: true };

export function queuedAppDeleter(deps: {
  queue: Pick<JobQueue, 'send'>;
  /** Deletes without reaching a cluster (used when cascade is off). */
  storeOnly: AppDeleter;
  store: Pick<StateStore, 'getOperation'>;
  now: () => number;
}): AppDeleter & OperationTerminator {
  return {
    /** Queued for the worker; the answer names the operation the worker will end. */
    async terminateOperation(name: string): Promise<TerminateResult> {
      const op = await deps.store.getOperation(name);
      if (!op) throw new NoOperationError(name);
      await deps.queue.send({ app: name, reason: 'terminate', requestedAt: deps.now() });
      return {
        runId: op.runId,
        phase: 'Failed',
        message: 'termination queued: the worker deletes its running hooks and ends it',
      };
    },
    async deleteApp(name: string, opts: DeleteAppOptions): Promise<QueuedDeleteResult> {
      if (!opts.cascade) return deps.storeOnly.deleteApp(name, opts);
      await deps.queue.send(deleteJob(name, opts, deps.now()));
      return { deleted: [], kept: [], queued: true };
    },
  };
}

export function deleteJob(app: string, opts: DeleteAppOptions, requestedAt: number): SyncJob {
  return {
    app,
    reason: 'delete',
    deletion: { cascade: opts.cascade, propagationPolicy: opts.propagationPolicy },
    requestedAt,
  };
}

/**
 * The worker's side of a queued terminate-op: under the app's lease, as the API would locally. An
 * operation that already ended is nothing to do; a held lease sends the job back shortly.
 */
export async function runTerminateJob(
  deps: { terminator: OperationTerminator; queue: Pick<JobQueue, 'send'>; busyRetrySeconds?: number },
  job: SyncJob,
): Promise<TerminateResult | 'nothing' | 'busy'> {
  try {
    return await deps.terminator.terminateOperation(job.app);
  } catch (err) {
    if (err instanceof NoOperationError) return 'nothing';
    if (!(err instanceof AppBusyError)) throw err;
    await deps.queue.send(job, { delaySeconds: deps.busyRetrySeconds ?? 5 });
    return 'busy';
  }
}

const policies = new Set(['Foreground', 'Background', 'Orphan']);

/**
 * The worker's side: runs a queued delete under the app's lease. A held lease (a sync step in
 * progress) sends the job back with a short delay rather than failing it towards the DLQ.
 */
export async function runDeleteJob(
  deps: { deleter: AppDeleter; queue: Pick<JobQueue, 'send'>; busyRetrySeconds?: number },
  job: SyncJob,
): Promise<DeleteAppResult | 'busy'> {
  const policy = job.deletion?.propagationPolicy;
  const opts: DeleteAppOptions = {
    cascade: job.deletion?.cascade !== false,
    propagationPolicy: policy && policies.has(policy) ? policy : 'Foreground',
  };
  try {
    return await deps.deleter.deleteApp(job.app, opts);
  } catch (err) {
    if (!(err instanceof AppBusyError)) throw err;
    await deps.queue.send(job, { delaySeconds: deps.busyRetrySeconds ?? 5 });
    return 'busy';
  }
}
