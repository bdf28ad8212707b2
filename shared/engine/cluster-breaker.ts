// A cluster whose API server stops answering (powered off, a firewall dropping packets, a
// private endpoint no longer routed) costs each request a connect timeout, and each request
// retries: one wake-up could hold a worker for minutes, and a few of them every worker, so apps
// on healthy clusters waited behind a dead one. After a few network failures in a row the breaker
// opens: requests to that server fail at once, naming why, for a while; then one probe goes out,
// and its answer closes the breaker (any HTTP answer: the server is there) or opens it for longer.
import { KubeRequestError } from './errors.js';

export interface ClusterBreakerOptions {
  /** Network failures in a row, with no answer between them, that open the breaker. @default 3 */
  failuresToOpen: number;
  /** How long requests are not sent once it opens; doubles after each failed probe. @default 10 s */
  openMs: number;
  /** The longest it stays open before the next probe. @default 2 min */
  maxOpenMs: number;
  /**
   * How long a request waits for the probe in flight before it is refused: a server that is back
   * answers the probe at once, and one still gone must not hold every caller (each a worker) for
   * the probe's whole timeout. @default 2 s
   */
  probeWaitMs: number;
  /** Told what the breaker sees, to record it (control/cluster-connection-report.ts). */
  listener?: BreakerListener;
}

/** What a breaker tells its listener; calls must be cheap and must not throw. */
export interface BreakerListener {
  /** The server answered a request: every answer, so the listener decides what to keep. */
  answered(): void;
  /**
   * Requests stop being sent until `nextTryAt` (epoch ms): it opened, or a probe failed. `why`
   * says so in words (the failures in a row, the last one, the next try).
   */
  opened(why: string, nextTryAt: number, lastFailure: string): void;
}

export const defaultClusterBreakerOptions: ClusterBreakerOptions = {
  failuresToOpen: 3,
  openMs: 10_000,
  maxOpenMs: 120_000,
  probeWaitMs: 2_000,
};

/** The one request out to a server seen gone: resolves true when the server answered it, false otherwise. */
interface Probe {
  done: Promise<boolean>;
  settle: (answered: boolean) => void;
}

/**
 * How a request goes out: as usual (`closed`), or as the one probe of a server seen gone (that
 * probe: a probe that ends after the breaker moved on to another is told apart from it).
 */
export type Admission = 'closed' | Probe;

/** One API server's breaker, shared by every client of it in a process (ClusterSessions keeps it). */
export class ClusterBreaker {
  private readonly o: ClusterBreakerOptions;
  private failures = 0;
  private openUntil: number | undefined;
  private windowMs: number;
  /** The probe in flight. */
  private probe: Probe | undefined;
  private lastFailure = '';

  constructor(
    readonly cluster: string,
    opts: Partial<ClusterBreakerOptions> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.o = { ...defaultClusterBreakerOptions, ...opts };
    this.windowMs = this.o.openMs;
  }

  /** Whether the server is seen gone (requests are refused, or wait for a probe). */
  get isOpen(): boolean {
    return this.openUntil !== undefined;
  }

  /**
   * Lets a request through, or throws `kube:unreachable` naming the cluster, the last failure and
   * when the next try goes out. Once the window has passed, the first request is the probe and
   * the others wait for its outcome: answered, they go out as usual. `what` starts the message.
   */
  async admit(what: string): Promise<Admission> {
    for (;;) {
      if (this.openUntil === undefined) return 'closed';
      if (this.probe) {
        // Answered: as usual. Failed: the window moved on, refused below. Released: look again.
        // Still out after probeWaitMs: refused, naming the probe.
        const probe = this.probe;
        let timer: ReturnType<typeof setTimeout> | undefined;
        const outcome = await Promise.race([
          probe.done,
          new Promise<'waited'>(
            (resolve) => (timer = setTimeout(() => resolve('waited'), this.o.probeWaitMs)),
          ),
        ]);
        clearTimeout(timer);
        if (outcome === true) return 'closed';
        if (outcome === 'waited') throw this.refusal(what, true);
        continue;
      }
      if (this.now() < this.openUntil) throw this.refusal(what);
      let settle!: (answered: boolean) => void;
      const done = new Promise<boolean>((resolve) => (settle = resolve));
      this.probe = { done, settle };
      return this.probe;
    }
  }

  /** The server answered (any HTTP status): it is there. */
  answered(): void {
    this.o.listener?.answered();
    this.failures = 0;
    this.openUntil = undefined;
    this.windowMs = this.o.openMs;
    this.settleProbe(true);
  }

  /** A request got no answer (connection refused, reset, timed out); `how` says which. */
  failed(how: string, admission: Admission): void {
    this.lastFailure = how;
    if (admission !== 'closed' && admission === this.probe) {
      this.windowMs = Math.min(this.o.maxOpenMs, this.windowMs * 2);
      this.openUntil = this.now() + this.windowMs;
      this.settleProbe(false);
      this.tellOpened();
      return;
    }
    // Sent before it opened, or a probe the breaker has moved on from: already counted in.
    if (this.openUntil !== undefined) return;
    this.failures++;
    if (this.failures >= this.o.failuresToOpen) {
      this.openUntil = this.now() + this.windowMs;
      this.tellOpened();
    }
  }

  private tellOpened(): void {
    if (this.openUntil !== undefined) this.o.listener?.opened(this.why(), this.openUntil, this.lastFailure);
  }

  /** Why requests are not sent, and when the next one goes out. */
  private why(): string {
    return `its API server has not answered ${this.o.failuresToOpen} requests in a row (last: ${this.lastFailure}); the next try goes out after ${new Date(this.openUntil ?? this.now()).toISOString()}`;
  }

  /**
   * Another process saw the server gone and sends nothing to it until `until` (its recorded
   * state): this breaker starts open until then too, instead of paying the same timeouts again.
   * Does nothing once this breaker has seen anything itself.
   */
  openedElsewhere(lastFailure: string, until: number): void {
    if (this.openUntil !== undefined || this.failures > 0 || until <= this.now()) return;
    this.lastFailure = lastFailure;
    this.failures = this.o.failuresToOpen;
    this.openUntil = until;
  }

  /** The probe ended without telling either way (it failed before it was sent): the next request probes. */
  released(admission: Admission): void {
    if (admission === 'closed' || admission !== this.probe) return;
    // Waiters look again: one of them becomes the next probe.
    this.settleProbe(false);
  }

  private settleProbe(answered: boolean): void {
    const probe = this.probe;
    this.probe = undefined;
    probe?.settle(answered);
  }

  private refusal(what: string, probing = false): KubeRequestError {
    const why = probing
      ? `its API server has not answered ${this.o.failuresToOpen} requests in a row (last: ${this.lastFailure}); a probe is out and has had no answer for ${this.o.probeWaitMs / 1000} s`
      : this.why();
    return new KubeRequestError('kube:unreachable', `${what} on cluster ${this.cluster}: not sent, ${why}`);
  }
}
