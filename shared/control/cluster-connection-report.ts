// What the workers see of each cluster's API server, recorded in the store so that the cluster
// list (API, CLI, UI) shows it as Argo CD shows a cluster's connection state: Failed, with why and
// when the next try goes out, as soon as a breaker opens (cluster-breaker.ts); Successful again
// at its next answer. Requests are answered thousands of times a minute, so an answer is written
// only when it changes what was recorded here, or when that is older than `refreshMs`: a cluster
// another container saw fail, and that this one talks to, reads Successful again within a minute.
// Writes never hold a request: they go out in the background, one at a time per cluster (the
// newest waiting one replaces any older), and a failed write is logged, not thrown.
import type { Cluster, ClusterConnectionState } from '../domain/app.js';
import { redact } from '../domain/redact.js';
import type { BreakerListener, ClusterBreaker } from '../engine/cluster-breaker.js';
import { systemClock, type Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { StateStore } from '../ports/state-store.js';

export interface ClusterConnectionReportOptions {
  /** An answered cluster's Successful is written again after this long. @default 60 s */
  refreshMs: number;
}

export const defaultClusterConnectionReportOptions: ClusterConnectionReportOptions = { refreshMs: 60_000 };

interface Reported {
  status: ClusterConnectionState['status'];
  at: number;
  /** The write going out now, and the newest one waiting behind it. */
  writing?: Promise<void>;
  next?: ClusterConnectionState;
}

export class ClusterConnectionReport {
  private readonly o: ClusterConnectionReportOptions;
  private readonly reported = new Map<string, Reported>();

  constructor(
    private readonly store: Pick<StateStore, 'putClusterState' | 'getClusterState'>,
    private readonly log: Logger,
    opts: Partial<ClusterConnectionReportOptions> = {},
    private readonly clock: Clock = systemClock,
  ) {
    this.o = { ...defaultClusterConnectionReportOptions, ...opts };
  }

  /** The listener for one cluster's breaker, at the server it was connected to. */
  listenerFor(cluster: string, server: string): BreakerListener {
    return {
      answered: () => {
        const last = this.reported.get(cluster);
        const now = this.clock.now();
        if (last?.status === 'Successful' && now - last.at < this.o.refreshMs) return;
        this.record({ name: cluster, status: 'Successful', message: '', attemptedAt: iso(now), server });
      },
      opened: (why, nextTryAt, lastFailure) =>
        this.record({
          name: cluster,
          status: 'Failed',
          // Network errors name hosts and ports, never credentials; redacted all the same (rule 4).
          message: redact(why),
          attemptedAt: iso(this.clock.now()),
          server,
          lastFailure: redact(lastFailure),
          nextTryAt: iso(nextTryAt),
        }),
    };
  }

  /**
   * Starts a new breaker from what was recorded: a cluster another process saw gone at this
   * server, whose next try is still ahead, is not sent to before it (a Lambda scaling out for a
   * burst of wake-ups does not pay the timeouts once per new container). A read that fails is
   * logged, and the breaker starts closed.
   */
  async seed(cluster: string, server: string, breaker: ClusterBreaker): Promise<void> {
    let seen: ClusterConnectionState | undefined;
    try {
      seen = await this.store.getClusterState(cluster);
    } catch (err) {
      this.log.warn('could not read a cluster connection state', {
        cluster,
        error: (err as Error).message,
      });
      return;
    }
    if (seen?.status !== 'Failed' || seen.server !== server || !seen.nextTryAt) return;
    const until = Date.parse(seen.nextTryAt);
    if (!(until > this.clock.now())) return;
    breaker.openedElsewhere(seen.lastFailure ?? 'no answer', until);
    // Its next answer is news: recorded Successful at once.
    if (!this.reported.has(cluster)) this.reported.set(cluster, { status: 'Failed', at: this.clock.now() });
  }

  /**
   * Resolves once every write started so far has ended, or after `maxMs` (a Lambda invocation
   * awaits it before returning, and a store that hangs must not hold the invocation).
   */
  async flush(maxMs = 2_000): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, maxMs)));
    const drained = (async () => {
      for (;;) {
        const writing = [...this.reported.values()].flatMap((r) => (r.writing ? [r.writing] : []));
        if (writing.length === 0) return;
        await Promise.all(writing);
      }
    })();
    await Promise.race([drained, waited]);
    clearTimeout(timer);
  }

  private record(state: ClusterConnectionState): void {
    let r = this.reported.get(state.name);
    if (!r) this.reported.set(state.name, (r = { status: state.status, at: 0 }));
    r.status = state.status;
    r.at = this.clock.now();
    r.next = state;
    if (!r.writing) r.writing = this.drain(r);
  }

  private async drain(r: Reported): Promise<void> {
    for (let state = r.next; state; state = r.next) {
      r.next = undefined;
      try {
        await this.store.putClusterState(state);
      } catch (err) {
        this.log.warn('could not record a cluster connection state', {
          cluster: state.name,
          status: state.status,
          error: (err as Error).message,
        });
      }
    }
    r.writing = undefined;
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A cluster's connection state as listed: Unknown until a worker has reached it at its server. */
export type ListedConnectionState = Pick<ClusterConnectionState, 'message'> & {
  status: ClusterConnectionState['status'] | 'Unknown';
  attemptedAt?: string;
};

/**
 * The clusters with what was last seen of each. A state seen at another server than a
 * kubeconfig cluster's (registered again since, elsewhere) is not shown as its own.
 */
export function withConnectionStates<C extends Cluster>(
  clusters: C[],
  states: ClusterConnectionState[],
): (C & { connectionState: ListedConnectionState })[] {
  const byName = new Map(states.map((s) => [s.name, s]));
  return clusters.map((cluster) => {
    const seen = byName.get(cluster.name);
    const current = seen && (cluster.type !== 'kubeconfig' || seen.server === cluster.server);
    return {
      ...cluster,
      connectionState: current
        ? { status: seen.status, message: seen.message, attemptedAt: seen.attemptedAt }
        : { status: 'Unknown', message: 'no worker has reached it yet' },
    };
  });
}
