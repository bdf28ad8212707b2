import { AsyncLocalStorage } from 'node:async_hooks';
import { Agent, request as httpsRequest } from 'node:https';
import { createSecureContext } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClusterBreaker, type Admission } from './cluster-breaker.js';
import type { ClusterConnection } from './cluster-connection.js';
import { KubeApiError, KubeRequestError, type KubeStatus } from './errors.js';

export interface KubeClientOptions {
  /** Concurrent sockets to one API server (the engine bounds its own concurrency below this). */
  maxSockets: number;
  /** Tries per request, including the first. */
  maxAttempts: number;
  /** First backoff; doubles each try, with jitter, up to maxBackoffMs. */
  baseBackoffMs: number;
  maxBackoffMs: number;
  /** Longest Retry-After honoured before giving up on a request. */
  maxRetryAfterMs: number;
  /** Per-request socket timeout: no byte from the server for this long ends the attempt. */
  requestTimeoutMs: number;
  /**
   * A new connection's TLS handshake must finish within this (client-go's 10 s). Without it, a
   * server that accepts TCP and never speaks TLS held each attempt for twice requestTimeoutMs:
   * Node does not time out a socket while a write is queued, and the request waits for the
   * handshake in that queue.
   */
  handshakeTimeoutMs: number;
  userAgent: string;
  /**
   * Stops sending to the API server after network failures in a row (cluster-breaker.ts). Pass
   * one to share it beyond this client (ClusterSessions keeps one per cluster); without, the
   * client has its own, so at least its own retries stop once the server is seen gone.
   */
  breaker?: ClusterBreaker;
}

export const defaultKubeClientOptions: KubeClientOptions = {
  maxSockets: 32,
  maxAttempts: 6,
  baseBackoffMs: 200,
  maxBackoffMs: 5_000,
  maxRetryAfterMs: 30_000,
  requestTimeoutMs: 30_000,
  handshakeTimeoutMs: 10_000,
  userAgent: 'gitferry',
};

export interface KubeRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  contentType?: string;
  accept?: string;
  /** Give up retrying after this time (epoch ms). */
  deadline?: number;
  /** The caller does not read a successful answer's body: it is not parsed (body undefined). */
  discardBody?: boolean;
}

export interface KubeResponse<T> {
  status: number;
  body: T;
  warnings: string[];
}

const ambientDeadline = new AsyncLocalStorage<number>();

/**
 * Runs `fn` with every cluster request it makes bounded by `deadline` (epoch ms): retries stop,
 * and a request in flight is given up, when it passes. A worker bounds what it does under its
 * lease this way, so an API server that holds requests (its etcd down) fails the step while the
 * lease still lets the worker record why, instead of outliving it.
 */
export function withRequestDeadline<T>(deadline: number, fn: () => Promise<T>): Promise<T> {
  const outer = ambientDeadline.getStore();
  return ambientDeadline.run(outer === undefined ? deadline : Math.min(outer, deadline), fn);
}

const retriableStatus = new Set([429, 500, 502, 503, 504]);
const retriableNetworkCodes = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
]);
/** Marks a timeout that the request's deadline cut shorter than the client's request timeout. */
const cutShort = Symbol('cut short by the deadline');
/**
 * Marks a reset of a kept-alive socket: the server closed an idle connection as this request
 * went out on it (the retry takes a new one), which says nothing about whether it answers now.
 */
const staleSocket = Symbol('reset on a reused socket');
/** Failures that say the server did not answer at all: they count toward the breaker. */
const noAnswerCodes = new Set([...retriableNetworkCodes, 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Raw-JSON HTTPS client for one API server: one keep-alive agent per cluster (client-node makes a
 * new agent per request, kubernetes-client/javascript#2893), retries on 429/5xx and connection
 * resets with backoff that honours Retry-After, bounded by attempts and a deadline.
 */
export class KubeClient {
  private readonly agent: Agent;
  private readonly opts: KubeClientOptions;
  private readonly breaker: ClusterBreaker;
  private renewal?: Promise<unknown>;
  /** Counts renewals of the credentials. */
  private generation = 0;

  constructor(
    readonly connection: ClusterConnection,
    opts: Partial<KubeClientOptions> = {},
  ) {
    this.opts = { ...defaultKubeClientOptions, ...opts };
    this.breaker = this.opts.breaker ?? new ClusterBreaker(connection.name);
    const { tls } = connection;
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: this.opts.maxSockets,
      // One TLS context for every socket, made once: given ca/cert/key instead, each new socket
      // parses the PEMs again, and every request folds their whole text into the agent's pool
      // key (https.Agent#getName), kilobytes of string per request.
      secureContext: createSecureContext({ ca: tls.ca, cert: tls.cert, key: tls.key }),
      servername: tls.serverName,
      rejectUnauthorized: !tls.insecureSkipVerify,
    });
  }

  async request<T = unknown>(given: KubeRequest): Promise<KubeResponse<T>> {
    const ambient = ambientDeadline.getStore();
    const req =
      ambient === undefined || (given.deadline !== undefined && given.deadline <= ambient)
        ? given
        : { ...given, deadline: ambient };
    // POST is not idempotent: only retry it when the server said it did nothing (429/503).
    const idempotent = req.method !== 'POST';
    let lastFailure: unknown;
    let renewed = false;
    for (let attempt = 1; ; attempt++) {
      let waitMs: number;
      const generation = this.generation;
      if (req.deadline !== undefined && Date.now() >= req.deadline) throw this.pastDeadline(req, lastFailure);
      // Throws, ending the retries too, while the server is seen gone.
      const admission: Admission = await this.breaker.admit(`${req.method} ${req.path}`);
      try {
        const res = await this.once(req).catch((err: unknown) => {
          const code = (err as NodeJS.ErrnoException).code ?? '';
          const marks = err as { [cutShort]?: boolean; [staleSocket]?: boolean };
          if (noAnswerCodes.has(code) && !marks[cutShort] && !marks[staleSocket])
            this.breaker.failed((err as Error).message, admission);
          else this.breaker.released(admission);
          throw err;
        });
        this.breaker.answered();
        if (res.status < 400)
          return {
            status: res.status,
            body: (req.discardBody ? undefined : parseBody(res.text)) as T,
            warnings: res.warnings,
          };
        if (res.status === 401) {
          // Refused credentials (a token rotated or expired since it was cached): fetched again
          // once, and the request sent again (a 401 was not carried out, so POST too); refused
          // again, the error names the cluster.
          if (renewed) throw unauthorized(req, this.connection.name, res.text);
          renewed = true;
          // Renewed since this request was sent (another refused request did it): just resend.
          if (generation === this.generation) await this.renewAuthorization();
          attempt--;
          continue;
        }
        const retriable = idempotent
          ? retriableStatus.has(res.status)
          : res.status === 429 || res.status === 503;
        if (!retriable || attempt >= this.opts.maxAttempts) throw toApiError(req, res.status, res.text);
        const retryAfter = parseRetryAfter(res.retryAfter);
        if (retryAfter !== undefined && retryAfter > this.opts.maxRetryAfterMs)
          throw toApiError(req, res.status, res.text);
        lastFailure = toApiError(req, res.status, res.text);
        waitMs = retryAfter ?? this.backoff(attempt);
      } catch (err) {
        if (err instanceof KubeApiError) throw err;
        const code = (err as NodeJS.ErrnoException).code ?? '';
        if (!idempotent || !retriableNetworkCodes.has(code) || attempt >= this.opts.maxAttempts) {
          throw new KubeRequestError(
            'kube:network',
            `${req.method} ${req.path} on cluster ${this.connection.name} failed: ${(err as Error).message}`,
            { cause: err },
          );
        }
        lastFailure = err;
        waitMs = this.backoff(attempt);
      }
      if (req.deadline !== undefined && Date.now() + waitMs > req.deadline)
        throw this.pastDeadline(req, lastFailure);
      await sleep(waitMs);
    }
  }

  private pastDeadline(req: KubeRequest, lastFailure: unknown): KubeRequestError {
    const last = lastFailure === undefined ? '' : ` (last failure: ${(lastFailure as Error).message})`;
    return new KubeRequestError(
      'kube:deadline',
      `${req.method} ${req.path} on cluster ${this.connection.name}: deadline passed while retrying${last}`,
      { cause: lastFailure },
    );
  }

  /** One renewal at a time: the requests refused together wait for the same fresh credentials. */
  private renewAuthorization(): Promise<unknown> {
    this.renewal ??= this.connection.authorization({ fresh: true }).finally(() => {
      this.renewal = undefined;
      this.generation++;
    });
    return this.renewal;
  }

  /** Stops keeping sockets open. */
  close(): void {
    this.agent.destroy();
  }

  private backoff(attempt: number): number {
    const exp = Math.min(this.opts.maxBackoffMs, this.opts.baseBackoffMs * 2 ** (attempt - 1));
    return exp / 2 + Math.random() * (exp / 2);
  }

  private async once(
    req: KubeRequest,
  ): Promise<{ status: number; text: string; retryAfter?: string; warnings: string[] }> {
    const url = new URL(this.connection.server + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    // A string body goes out in one write with the headers (one TLS record, one syscall); a
    // Buffer would be written separately.
    const payload =
      req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
    const authorization = await this.connection.authorization();
    const sentAt = Date.now();
    const timeoutMs =
      req.deadline === undefined
        ? this.opts.requestTimeoutMs
        : Math.max(1, Math.min(this.opts.requestTimeoutMs, req.deadline - sentAt));
    return new Promise((resolve, reject) => {
      const r = httpsRequest(
        url,
        {
          method: req.method,
          agent: this.agent,
          lookup: this.connection.lookup,
          // A request in flight ends at the deadline too (an API server holding it, etcd down).
          timeout: timeoutMs,
          headers: {
            accept: req.accept ?? 'application/json',
            'user-agent': this.opts.userAgent,
            ...(authorization ? { authorization } : {}),
            ...(payload
              ? {
                  'content-type': req.contentType ?? 'application/json',
                  'content-length': Buffer.byteLength(payload),
                }
              : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const warning = res.headers.warning;
            resolve({
              status: res.statusCode ?? 0,
              text: Buffer.concat(chunks).toString('utf8'),
              retryAfter: res.headers['retry-after'],
              warnings: warning === undefined ? [] : Array.isArray(warning) ? warning : [warning],
            });
          });
        },
      );
      // A reused socket finished its handshake long ago; a new one has handshakeMs to.
      r.once('socket', (socket) => {
        if (r.reusedSocket) return;
        const handshakeMs = Math.min(this.opts.handshakeTimeoutMs, timeoutMs);
        const timer = setTimeout(
          () =>
            r.destroy(
              Object.assign(
                new Error(`no TLS handshake within ${((Date.now() - sentAt) / 1000).toFixed(1)} s`),
                {
                  code: 'ETIMEDOUT',
                  [cutShort]: handshakeMs === timeoutMs && timeoutMs < this.opts.requestTimeoutMs,
                },
              ),
            ),
          handshakeMs,
        );
        const done = () => clearTimeout(timer);
        socket.once('secureConnect', done);
        socket.once('close', done);
      });
      r.on('timeout', () =>
        r.destroy(
          Object.assign(new Error(`no answer within ${((Date.now() - sentAt) / 1000).toFixed(1)} s`), {
            code: 'ETIMEDOUT',
            // Cut short by the caller's deadline: says nothing about the server (not a breaker failure).
            [cutShort]: timeoutMs < this.opts.requestTimeoutMs,
          }),
        ),
      );
      r.on('error', (err: NodeJS.ErrnoException) =>
        reject(
          r.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE')
            ? Object.assign(err, { [staleSocket]: true })
            : err,
        ),
      );
      r.end(payload);
    });
  }
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function parseRetryAfter(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function unauthorized(req: KubeRequest, cluster: string, text: string): KubeApiError {
  const refused = toApiError(req, 401, text);
  const message = `cluster ${cluster} refused the credentials (401 Unauthorized) also after they were fetched again: check the token or role registered for it (${refused.message})`;
  // The Status's message too: what callers show of an API error (describeApplyError) names the cluster.
  return new KubeApiError(message, 401, { ...refused.status, message });
}

function toApiError(req: KubeRequest, status: number, text: string): KubeApiError {
  const body = parseBody(text);
  const kubeStatus: KubeStatus =
    typeof body === 'object' && body !== null ? (body as KubeStatus) : { message: String(body ?? '') };
  const message = kubeStatus.message || `HTTP ${status}`;
  return new KubeApiError(`${req.method} ${req.path}: ${message}`, status, kubeStatus);
}
