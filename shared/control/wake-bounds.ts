// How often a chain of self-sent wake-ups comes back, and how long it may go on. A wake-up that
// waits (a wave's health gate, a hook Job, a Progressing rollout, a held lease) sends itself
// again with a delay; each of those chains backs off and stops at a documented bound, and what
// happens at the bound is recorded (history, status or a log line with a metric), never dropped
// silently. Lambda's recursive loop detection stops SQS → Lambda → same-queue chains after about
// 16 hops; these bounds are what make turning it off for the worker (`recursiveLoop: ALLOW`) safe.
import type { SyncJob } from '../domain/sync-job.js';

/** The delays of a chain, in seconds: 2 → 5 → 10 → 30, then 30 for as long as the chain may run. */
export const waitBackoffSeconds: readonly number[] = [2, 5, 10, 30];

export interface WakeUpBounds {
  /**
   * Wake-ups one sync operation may take. With the backoff above, a sync that waits the whole
   * default timeout (30 min) takes about 63; the bound stops one that steps without end (e.g. a
   * step budget spent again and again). At the bound the run ends Failed, saying so in history.
   */
  perOperation: number;
  /**
   * Health rechecks after a sync while the app stays Progressing: 2+5+10 s, then every 30 s, about
   * 20 minutes in all. At the bound the status says so, and the drift check takes over.
   */
  healthChain: number;
  /**
   * Retries in a row of one wake-up that finds the app's lease held (its `busyRetries`) (2+5+10 s, then every 30 s: about 10
   * minutes, twice the lease's lifetime). At the bound the wake-up is logged and counted
   * (`outcome: bounded`), not retried: the holder re-checks for newer requests when it releases the
   * lease, and the drift check wakes every app anyway.
   */
  busyChain: number;
}

export const defaultWakeUpBounds: WakeUpBounds = { perOperation: 120, healthChain: 40, busyChain: 20 };

/** The delay before the n-th wait of a chain (n from 0), on a schedule like `waitBackoffSeconds`. */
export function backoffSeconds(n: number, schedule: readonly number[] = waitBackoffSeconds): number {
  return schedule[Math.min(Math.max(0, n), schedule.length - 1)] ?? 0;
}

/** The next wake-up of job's chain: one hop further, same chain start. */
export function nextInChain(job: SyncJob, change: Partial<SyncJob>, now: number): SyncJob {
  return {
    app: job.app,
    reason: job.reason,
    requestedAt: now,
    ...change,
    hop: (job.hop ?? 0) + 1,
    chainStartedAt: job.chainStartedAt ?? now,
  };
}
