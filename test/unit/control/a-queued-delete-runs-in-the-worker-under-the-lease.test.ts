import { AppBusyError } from '../../../shared/domain/errors.js';
import type { SyncJob } from '../../../shared/domain/sync-job.js';
import type { AppDeleter, DeleteAppOptions } from '../../../shared/control/delete-app.js';
import {
  deleteJob,
  queuedAppDeleter,
  runDeleteJob,
  runTerminateJob,
} from '../../../shared/control/queued-delete.js';
import { NoOperationError, type TerminateResult } from '../../../shared/control/terminate-operation.js';
import type { StoredOperation } from '../../../shared/ports/state-store.js';

const noOperation = { getOperation: async () => undefined };

function recordingDeleter(behaviour: (name: string) => void = () => {}) {
  const calls: [string, DeleteAppOptions][] = [];
  const deleter: AppDeleter = {
    deleteApp: async (name, opts) => {
      calls.push([name, opts]);
      behaviour(name);
      return { deleted: ['ConfigMap/shop/cfg'], kept: [] };
    },
  };
  return { deleter, calls };
}

describe('a cascade delete on AWS', () => {
  test('the API side queues a delete wake-up and deletes nothing itself', async () => {
    const sent: SyncJob[] = [];
    const storeOnly = recordingDeleter();
    const deleter = queuedAppDeleter({
      queue: { send: async (j) => void sent.push(j) },
      storeOnly: storeOnly.deleter,
      store: noOperation,
      now: () => 42,
    });
    const res = await deleter.deleteApp('shop', { cascade: true, propagationPolicy: 'Background' });
    expect(res).toEqual({ deleted: [], kept: [], queued: true });
    expect(sent).toEqual([
      {
        app: 'shop',
        reason: 'delete',
        deletion: { cascade: true, propagationPolicy: 'Background' },
        requestedAt: 42,
      },
    ]);
    expect(storeOnly.calls).toEqual([]);
  });

  test('without cascade the API deletes from the store at once and queues nothing', async () => {
    const sent: SyncJob[] = [];
    const storeOnly = recordingDeleter();
    const deleter = queuedAppDeleter({
      queue: { send: async (j) => void sent.push(j) },
      storeOnly: storeOnly.deleter,
      store: noOperation,
      now: () => 1,
    });
    await deleter.deleteApp('shop', { cascade: false, propagationPolicy: 'Foreground' });
    expect(storeOnly.calls).toEqual([['shop', { cascade: false, propagationPolicy: 'Foreground' }]]);
    expect(sent).toEqual([]);
  });

  test('the worker side runs it with the options of the message', async () => {
    const { deleter, calls } = recordingDeleter();
    const job = deleteJob('shop', { cascade: true, propagationPolicy: 'Orphan' }, 1);
    expect(await runDeleteJob({ deleter, queue: { send: async () => {} } }, job)).toEqual({
      deleted: ['ConfigMap/shop/cfg'],
      kept: [],
    });
    expect(calls).toEqual([['shop', { cascade: true, propagationPolicy: 'Orphan' }]]);
  });

  test('a message with a forged or missing policy deletes with Foreground, never with a value passed through', async () => {
    const { deleter, calls } = recordingDeleter();
    const forged = {
      app: 'shop',
      reason: 'delete',
      deletion: { cascade: true, propagationPolicy: '--grace-period=0' },
      requestedAt: 1,
    } as unknown as SyncJob;
    await runDeleteJob({ deleter, queue: { send: async () => {} } }, forged);
    await runDeleteJob(
      { deleter, queue: { send: async () => {} } },
      { app: 'shop', reason: 'delete', requestedAt: 1 },
    );
    expect(calls.map(([, o]) => o)).toEqual([
      { cascade: true, propagationPolicy: 'Foreground' },
      { cascade: true, propagationPolicy: 'Foreground' },
    ]);
  });

  test('an app busy with a sync step gets the job back after a short delay, not a failure towards the DLQ', async () => {
    const sent: [SyncJob, number | undefined][] = [];
    const { deleter } = recordingDeleter((name) => {
      throw new AppBusyError(name);
    });
    const job = deleteJob('shop', { cascade: true, propagationPolicy: 'Foreground' }, 1);
    const outcome = await runDeleteJob(
      { deleter, queue: { send: async (j, o) => void sent.push([j, o?.delaySeconds]) }, busyRetrySeconds: 3 },
      job,
    );
    expect(outcome).toBe('busy');
    expect(sent).toEqual([[job, 3]]);
  });

  test('other errors go up, for SQS to redeliver', async () => {
    const { deleter } = recordingDeleter(() => {
      throw new Error('cluster unreachable');
    });
    await expect(
      runDeleteJob(
        { deleter, queue: { send: async () => {} } },
        deleteJob('shop', { cascade: true, propagationPolicy: 'Foreground' }, 1),
      ),
    ).rejects.toThrow('cluster unreachable');
  });
});

describe('terminate-op on AWS', () => {
  const running: StoredOperation = {
    runId: 7,
    revision: 'abc',
    reason: 'manual',
    state: undefined,
    attempt: 1,
    startedAt: 1,
  };

  test('the API side queues a terminate wake-up naming the running operation', async () => {
    const sent: SyncJob[] = [];
    const deleter = queuedAppDeleter({
      queue: { send: async (j) => void sent.push(j) },
      storeOnly: recordingDeleter().deleter,
      store: { getOperation: async () => running },
      now: () => 9,
    });
    const res = await deleter.terminateOperation('shop');
    expect(res.runId).toBe(7);
    expect(res.message).toMatch(/queued/);
    expect(sent).toEqual([{ app: 'shop', reason: 'terminate', requestedAt: 9 }]);
  });

  test('with no operation running the API answers NoOperationError and queues nothing', async () => {
    const sent: SyncJob[] = [];
    const deleter = queuedAppDeleter({
      queue: { send: async (j) => void sent.push(j) },
      storeOnly: recordingDeleter().deleter,
      store: noOperation,
      now: () => 9,
    });
    await expect(deleter.terminateOperation('shop')).rejects.toBeInstanceOf(NoOperationError);
    expect(sent).toEqual([]);
  });

  test('the worker terminates under the lease; an operation already ended is nothing to do', async () => {
    const job: SyncJob = { app: 'shop', reason: 'terminate', requestedAt: 1 };
    const done: TerminateResult = { runId: 7, phase: 'Failed', message: 'operation terminated by user' };
    const queue = { send: async () => {} };
    expect(await runTerminateJob({ terminator: { terminateOperation: async () => done }, queue }, job)).toBe(
      done,
    );
    const ended = {
      terminateOperation: async (name: string): Promise<TerminateResult> => {
        throw new NoOperationError(name);
      },
    };
    expect(await runTerminateJob({ terminator: ended, queue }, job)).toBe('nothing');
  });

  test('a held lease sends the terminate back with a delay instead of failing it', async () => {
    const job: SyncJob = { app: 'shop', reason: 'terminate', requestedAt: 1 };
    const resent: [SyncJob, number | undefined][] = [];
    const busy = {
      terminateOperation: async (name: string): Promise<TerminateResult> => {
        throw new AppBusyError(name);
      },
    };
    const queue = {
      send: async (j: SyncJob, o?: { delaySeconds?: number }) => void resent.push([j, o?.delaySeconds]),
    };
    expect(await runTerminateJob({ terminator: busy, queue }, job)).toBe('busy');
    expect(resent).toEqual([[job, 5]]);
  });
});
