// The local worker pool and drift timer: what SQS's event source and the EventBridge schedule do
// on AWS, done by polling the SQLite queue in this process.
import { runDriftTick, tickSummary } from '../control/drift-check.js';
import { systemClock } from '../ports/clock.js';
import type { WakeUpHandler } from '../control/wake-up.js';
import type { Logger } from '../ports/logger.js';
import type { SyncJob } from '../domain/sync-job.js';
import type { LocalRuntime } from './local.js';

export interface LocalWorkerOptions {
  workers: number;
  /** Argo CD polls every 3 minutes; so does the drift check here. */
  driftIntervalMs: number;
  /** Runs pull-request preview jobs (shared/preview/); without it they are dropped, said so. */
  preview?: (job: SyncJob) => Promise<string>;
}

/**
 * Starts `workers` loops, each handling one wake-up at a time, and the drift timer. stop() lets
 * each loop finish its current step (state is stored step by step) and stops the timer.
 */
export function startLocalWorkers(
  rt: Pick<
    LocalRuntime,
    'store' | 'queue' | 'connector' | 'credentials' | 'guard' | 'renderer' | 'clusterReport'
  >,
  handler: WakeUpHandler,
  log: Logger,
  opts: LocalWorkerOptions,
): { stop(): Promise<void> } {
  const { store, queue } = rt;
  let stopping = false;
  const inflight = new Set<Promise<void>>();
  const workerLoop = async () => {
    while (!stopping) {
      for (const r of await queue.receive(1, 1)) {
        const work = (async () => {
          try {
            const outcome =
              r.job.reason === 'preview'
                ? await (opts.preview?.(r.job) ?? Promise.resolve('previews not configured'))
                : await handler.handle(r.job);
            await queue.delete(r.receipt);
            log.info('wake-up handled', { app: r.job.app, reason: r.job.reason, outcome });
          } catch (err) {
            log.error('wake-up failed; it will be retried', {
              app: r.job.app,
              detail: (err as Error).message,
              receiveCount: r.receiveCount,
            });
          }
        })();
        inflight.add(work);
        await work;
        inflight.delete(work);
      }
    }
  };
  const loops = Array.from({ length: Math.max(1, opts.workers) }, () => workerLoop());
  const drift = setInterval(() => {
    // One pass per cluster, no render while nothing changed; only apps that moved are woken.
    runDriftTick({
      store,
      queue,
      connector: rt.connector,
      credentials: rt.credentials,
      guard: rt.guard,
      clock: systemClock,
      log,
      jitterSeconds: 5,
      clusterReport: rt.clusterReport,
      // The workers' head cache: the tick's look at each branch serves their wake-ups too.
      resolveHead: async (repoURL, targetRevision) =>
        rt.renderer.heads.resolve(repoURL, targetRevision, {
          credentials: await rt.credentials(repoURL),
          guard: rt.guard,
        }),
    })
      .then((tick) => log.info('drift checked', tickSummary(tick)))
      .catch((err: Error) => log.error('drift check failed', { detail: err.message }));
  }, opts.driftIntervalMs);
  return {
    async stop() {
      stopping = true;
      clearInterval(drift);
      await Promise.all(loops);
      await Promise.all(inflight);
    },
  };
}
