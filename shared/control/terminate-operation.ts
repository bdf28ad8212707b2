// Stopping an app's running operation (Argo CD's `app terminate-op`), under the app's lease so no
// step races it: hooks still running are deleted and recorded, the run is recorded Failed with
// the reason, the operation is cleared and the lease released. Nothing else is written.
import { AppBusyError, GitferryError } from '../domain/errors.js';
import type { SyncRun } from '../domain/status.js';
import { ResourceManager } from '../engine/resource-manager.js';
import { terminateSync, type SyncState } from '../engine/sync-operation.js';
import type { Lease } from '../ports/state-store.js';
import { blankStatus, failedState, operationOf } from './app-status.js';
import { clusterOf, commitStep, releaseLeaseSoon, type Control } from './deps.js';

/** There is nothing to terminate: the app has no operation in progress. */
export class NoOperationError extends GitferryError {
  override name = 'NoOperationError';
  constructor(readonly app: string) {
    super('app:no-operation', `Application/${app} has no operation in progress to terminate`);
  }
}

export interface TerminateResult {
  runId: number;
  phase: 'Failed';
  message: string;
}

/** Terminates operations (the API's terminate-op); WakeUpHandler is one too. */
export interface OperationTerminator {
  terminateOperation(name: string): Promise<TerminateResult>;
}

export type TerminateDeps = Pick<Control, 'store' | 'connector' | 'clock' | 'log' | 'holder' | 'o'>;

/** A step holds the lease for a moment: the terminate waits that long for it, then says busy. */
const leaseAttempts = 20;
const leaseWaitMs = 500;

async function leaseFor(c: TerminateDeps, name: string): Promise<Lease> {
  for (let attempt = 1; ; attempt++) {
    const lease = await c.store.acquireLease(name, c.holder, c.o.leaseTtlMs, c.clock.now());
    if (lease) return lease;
    if (attempt >= leaseAttempts) throw new AppBusyError(name);
    await new Promise((r) => setTimeout(r, leaseWaitMs));
  }
}

export async function terminateOperation(c: TerminateDeps, name: string): Promise<TerminateResult> {
  const lease = await leaseFor(c, name);
  try {
    const app = await c.store.getApp(name);
    const op = await c.store.getOperation(name);
    if (!app || !op) throw new NoOperationError(name);
    const why = 'operation terminated by user';
    const inventory = await c.store.getInventory(name);
    const running = op.state as SyncState | undefined;
    const cluster = await clusterOf(c, app);
    let state: SyncState;
    if (running && cluster) {
      const rm = new ResourceManager(await c.connector.connect(cluster), c.o.engine);
      try {
        state = await terminateSync(rm, running, why, c.clock);
      } finally {
        rm.close();
      }
    } else {
      // Not started yet (or its cluster is gone): nothing on a cluster to stop.
      state = failedState(op, running?.inventory ?? inventory, why, c.clock.now());
    }
    const now = c.clock.now();
    const run: SyncRun = {
      app: name,
      id: op.runId,
      revision: op.revision,
      reason: op.reason,
      phase: 'Failed',
      message: state.message,
      startedAt: new Date(op.startedAt).toISOString(),
      finishedAt: new Date(now).toISOString(),
      results: state.results,
    };
    const status = await c.store.getStatus(name);
    await commitStep(c, lease, {
      run,
      inventory: state.inventory,
      operation: null,
      status: {
        ...blankStatus(name, status),
        sync: { status: 'OutOfSync', revision: op.revision },
        operation: operationOf(op, state, 'Failed'),
      },
    });
    c.log.warn('operation terminated', { app: name, runId: op.runId, outcome: state.message });
    return { runId: op.runId, phase: 'Failed', message: state.message ?? why };
  } finally {
    await releaseLeaseSoon(c, lease);
  }
}
