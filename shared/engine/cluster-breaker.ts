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
}

export const defaultClusterBreakerOptions: ClusterBreakerOptions = {
  failuresToOpen: 3,
  openMs: 10_000,
  maxOpenMs: 120_000,
};

/** What a request may do now: be sent (`closed`), be sent as the one probe (`probe`). */
export type Admission = 'closed' | 'probe';

/** One API server's breaker, shared by every client of it in a process (ClusterSessions keeps it). */
export class ClusterBreaker {
  private readonly o: ClusterBreakerOptions;
  private failures = 0;
  private openUntil: number | undefined;
  private windowMs: number;
  /** When the probe in flight was sent; a probe that never reports back is replaced after a window. */
  private probeSentAt: number | undefined;
  private lastFailure = '';

  constructor(
    readonly cluster: string,
    opts: Partial<ClusterBreakerOptions> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.o = { ...defaultClusterBreakerOptions, ...opts };
    this.windowMs = this.o.openMs;
  }

  /** Whether requests are refused now (open, and not the moment for a probe). */
  get isOpen(): boolean {
    return this.openUntil !== undefined;
  }

  /**
   * Lets a request through, or throws `kube:unreachable` naming the cluster, the last failure and
   * when the next try goes out. `what` starts the message (`GET /api/v1/namespaces`).
   */
  admit(what: string): Admission {
    if (this.openUntil === undefined) return 'closed';
    const now = this.now();
    const probeDue =
      now >= this.openUntil && (this.probeSentAt === undefined || now - this.probeSentAt >= this.windowMs);
    if (probeDue) {
      this.probeSentAt = now;
      return 'probe';
    }
    const next = Math.max(this.openUntil, (this.probeSentAt ?? 0) + this.windowMs);
    throw new KubeRequestError(
      'kube:unreachable',
      `${what} on cluster ${this.cluster}: not sent, its API server has not answered ${this.o.failuresToOpen} requests in a row (last: ${this.lastFailure}); the next try goes out after ${new Date(next).toISOString()}`,
    );
  }

  /** The server answered (any HTTP status): it is there. */
  answered(): void {
    this.failures = 0;
    this.openUntil = undefined;
    this.probeSentAt = undefined;
    this.windowMs = this.o.openMs;
  }

  /** A request got no answer (connection refused, reset, timed out); `how` says which. */
  failed(how: string, admission: Admission): void {
    this.lastFailure = how;
    if (admission === 'probe') {
      this.probeSentAt = undefined;
      this.windowMs = Math.min(this.o.maxOpenMs, this.windowMs * 2);
      this.openUntil = this.now() + this.windowMs;
      return;
    }
    // Sent before it opened: already counted in.
    if (this.openUntil !== undefined) return;
    this.failures++;
    if (this.failures >= this.o.failuresToOpen) this.openUntil = this.now() + this.windowMs;
  }
}
