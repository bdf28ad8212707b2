// One ResourceManager per cluster kept across the wake-ups of a process (serve's workers, a warm
// Lambda), for a short while: its keep-alive sockets and its discovery are shared, so a burst of
// wake-ups does not pay a TLS handshake and two discovery requests each. Why it is short: the
// discovery it caches (a CRD deleted since) and the addresses the URL guard vetted at connect
// time may go stale; after `maxAgeMs` the next wake-up connects afresh. Every wake-up still asks
// the connector (the URL guard vets the server each time); only an equal connection is reused.
import { createHash } from 'node:crypto';
import type { Cluster } from '../domain/app.js';
import { ClusterBreaker, type ClusterBreakerOptions } from '../engine/cluster-breaker.js';
import type { ClusterConnectionReport } from './cluster-connection-report.js';
import { ResourceManager, type ResourceManagerOptions } from '../engine/resource-manager.js';
import type { ClusterConnection } from '../ports/cluster-connection.js';
import type { ClusterConnector } from '../ports/cluster-connector.js';

export interface ClusterSessionOptions {
  /** How long one ResourceManager serves new wake-ups. @default 10 s */
  maxAgeMs: number;
  /** An unused one is closed after this long. @default 5 s */
  idleMs: number;
  /** When a cluster's requests stop being sent (cluster-breaker.ts's defaults). */
  breaker?: Partial<ClusterBreakerOptions>;
  /** Records what the breakers see in the store, for the cluster list (absent: nothing recorded). */
  report?: ClusterConnectionReport;
}

export const defaultClusterSessionOptions: ClusterSessionOptions = { maxAgeMs: 10_000, idleMs: 5_000 };

interface Session {
  name: string;
  key: string;
  rm: ResourceManager;
  createdAt: number;
  users: number;
  idle?: ReturnType<typeof setTimeout>;
}

export class ClusterSessions {
  private readonly o: ClusterSessionOptions;
  private readonly current = new Map<string, Session>();
  private readonly byRm = new Map<ResourceManager, Session>();
  /**
   * One breaker per cluster and server, kept as long as the process (sessions last seconds): a
   * server seen gone is not tried by every wake-up that follows, each waiting for its timeouts.
   */
  private readonly breakers = new Map<string, { breaker: ClusterBreaker; seeded: Promise<void> }>();

  constructor(opts: Partial<ClusterSessionOptions> = {}) {
    this.o = { ...defaultClusterSessionOptions, ...opts };
  }

  /** A ResourceManager for the cluster; hand it back with release() when the wake-up is done. */
  async acquire(
    connector: ClusterConnector,
    cluster: Cluster,
    engine: Partial<ResourceManagerOptions>,
  ): Promise<ResourceManager> {
    const connection = await connector.connect(cluster);
    const breaker = this.breakerOf(cluster.name, connection.server);
    // A new breaker starts from what other processes recorded (once; later acquires find it done).
    await breaker.seeded;
    const key = sessionKey(cluster, connection);
    const now = Date.now();
    let s = this.current.get(cluster.name);
    if (!s || s.key !== key || now - s.createdAt > this.o.maxAgeMs) {
      if (s) this.retire(s);
      const rm = new ResourceManager(connection, {
        ...engine,
        client: { ...engine.client, breaker: breaker.breaker },
      });
      s = { name: cluster.name, key, rm, createdAt: now, users: 0 };
      this.current.set(cluster.name, s);
      this.byRm.set(s.rm, s);
    }
    if (s.idle) clearTimeout(s.idle);
    s.idle = undefined;
    s.users++;
    return s.rm;
  }

  release(rm: ResourceManager): void {
    const s = this.byRm.get(rm);
    if (!s) return rm.close();
    s.users--;
    if (s.users > 0) return;
    if (this.current.get(s.name) !== s) return this.close(s);
    s.idle = setTimeout(() => this.retire(s), this.o.idleMs);
    s.idle.unref();
  }

  private breakerOf(cluster: string, server: string): { breaker: ClusterBreaker; seeded: Promise<void> } {
    const key = `${cluster}\0${server}`;
    let entry = this.breakers.get(key);
    if (!entry) {
      const breaker = new ClusterBreaker(cluster, {
        ...this.o.breaker,
        listener: this.o.report?.listenerFor(cluster, server),
      });
      entry = { breaker, seeded: this.o.report?.seed(cluster, server, breaker) ?? Promise.resolve() };
      this.breakers.set(key, entry);
    }
    return entry;
  }

  /** Resolves once the connection states being recorded are written (before a Lambda invocation returns). */
  flushReports(): Promise<void> {
    return this.o.report?.flush() ?? Promise.resolve();
  }

  /** Closes every session now (the process is stopping). */
  closeAll(): void {
    for (const s of this.current.values()) this.retire(s);
  }

  /** No longer handed out; closed once its last user releases it. */
  private retire(s: Session): void {
    if (this.current.get(s.name) === s) this.current.delete(s.name);
    if (s.users === 0) this.close(s);
  }

  private close(s: Session): void {
    if (s.idle) clearTimeout(s.idle);
    this.byRm.delete(s.rm);
    s.rm.close();
  }
}

/** What makes two connections the same: the cluster record and the connection's TLS settings. */
function sessionKey(cluster: Cluster, connection: ClusterConnection): string {
  const tls = connection.tls;
  const bytes = (b: string | Buffer | undefined) =>
    b === undefined ? '' : Buffer.from(b).toString('base64');
  return createHash('sha256')
    .update(
      JSON.stringify([
        cluster,
        connection.server,
        bytes(tls.ca),
        bytes(tls.cert),
        bytes(tls.key),
        tls.insecureSkipVerify ?? false,
        tls.serverName ?? '',
      ]),
    )
    .digest('hex');
}
