// HTTP to tenant-chosen URLs (git remotes, Helm repositories, chart archives), with the URL guard
// holding at connect time as well as at check time (DESIGN.md safety rule 6; notes/safety.md
// item 16):
// - the connection goes to the addresses the guard vetted, never to a second DNS answer (DNS
//   rebinding: public when checked, 127.0.0.1 when connecting); TLS SNI and Host still carry the
//   name;
// - every redirect's Location passes the guard again;
// - credentials (Authorization, Cookie, URL userinfo) reach only the origin they were meant for
//   and are dropped as soon as a redirect changes the origin;
// - a fresh connection per request (agent: false): a pooled socket vetted under another tenant's
//   guard options is never reused;
// - bytes and time are bounded.
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { SourceError } from './errors.js';
import {
  defaultUrlGuardOptions,
  redactUrl,
  vetUrl,
  type ResolvedAddress,
  type UrlGuardOptions,
  type VettedUrl,
} from './url-guard.js';

/** Headers that carry credentials: sent only to `credentialsOrigin`. */
const credentialHeaders = new Set(['authorization', 'proxy-authorization', 'cookie']);

/**
 * A `lookup` for http(s).request that answers only with the vetted addresses of the vetted host,
 * so the socket connects where the guard looked. A host let through by name (`allowedHosts`) is
 * resolved by the guard's own resolver.
 */
export function pinnedLookup(vetted: VettedUrl, guard: UrlGuardOptions = {}): LookupFunction {
  const resolve = guard.lookup ?? defaultUrlGuardOptions.lookup;
  return (hostname, options, callback) => {
    const answer = (addresses: ResolvedAddress[]) => {
      const wanted = options.family === 4 || options.family === 6 ? options.family : 0;
      const usable = addresses.filter((a) => wanted === 0 || a.family === wanted);
      if (usable.length === 0) {
        const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
        return callback(err, '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: ResolvedAddress[]) => void)(null, usable);
      callback(null, usable[0]!.address, usable[0]!.family);
    };
    if (hostname.toLowerCase() !== vetted.host.toLowerCase()) {
      const err = Object.assign(new Error(`lookup of ${hostname} was not vetted (expected ${vetted.host})`), {
        code: 'ENOTFOUND',
      });
      return callback(err, '', 0);
    }
    if (vetted.addresses) return answer(vetted.addresses);
    resolve(hostname).then(answer, (err: Error) => callback(err, '', 0));
  };
}

export interface GuardedRequestOptions {
  guard: UrlGuardOptions;
  method: string;
  /** Request headers; credential headers are dropped on any hop outside `credentialsOrigin`. */
  headers: Record<string, string>;
  body?: Buffer;
  /** No answer or no progress on the socket for this long fails the request. */
  timeoutMs: number;
  maxRedirects: number;
  /** The only origin that may receive credentials (default: the first URL's origin). */
  credentialsOrigin?: string;
  /** How errors name the request (default `HTTP <method>`), e.g. `git GET`. */
  what?: string;
  /** Aborts the request, e.g. on an overall deadline. */
  signal?: AbortSignal;
}

export const defaultGuardedRequestOptions: GuardedRequestOptions = {
  guard: {},
  method: 'GET',
  headers: {},
  timeoutMs: 60_000,
  maxRedirects: 5,
};

export interface GuardedResponse {
  /** The URL that answered, after redirects, without userinfo. */
  url: string;
  response: IncomingMessage;
}

function withoutUserinfo(u: URL): URL {
  const out = new URL(u.toString());
  out.username = '';
  out.password = '';
  return out;
}

function basicAuth(u: URL): string | undefined {
  if (u.username === '' && u.password === '') return undefined;
  const user = decodeURIComponent(u.username);
  const pass = decodeURIComponent(u.password);
  return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
}

function sendOnce(
  vetted: VettedUrl,
  o: GuardedRequestOptions,
  method: string,
  headers: Record<string, string>,
  body: Buffer | undefined,
  what: string,
): Promise<IncomingMessage> {
  const shown = redactUrl(vetted.url.toString());
  return new Promise<IncomingMessage>((resolve, reject) => {
    const send = vetted.url.protocol === 'https:' ? httpsRequest : httpRequest;
    const r = send(
      withoutUserinfo(vetted.url),
      {
        method,
        headers,
        timeout: o.timeoutMs,
        lookup: pinnedLookup(vetted, o.guard),
        agent: false,
        signal: o.signal,
      },
      resolve,
    );
    r.on('timeout', () => r.destroy(new SourceError('source:timeout', `${what} ${shown} timed out`)));
    r.on('error', (err) =>
      reject(
        err instanceof SourceError
          ? err
          : new SourceError('source:fetch-failed', `${what} ${shown} failed: ${err.message}`, { cause: err }),
      ),
    );
    r.end(body);
  });
}

/**
 * Sends one request to a tenant-chosen URL and follows redirects, each hop through the guard and
 * connected to the vetted addresses. Credentials (credential headers, or userinfo of the first
 * URL, sent as Basic auth) go only to `credentialsOrigin`. The response body is left unread.
 */
export async function guardedRequest(
  url: string,
  options: Partial<GuardedRequestOptions> = {},
): Promise<GuardedResponse> {
  const o = { ...defaultGuardedRequestOptions, ...options };
  const first = new URL(url);
  const credentialsOrigin = o.credentialsOrigin ?? first.origin;
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(o.headers)) base[k.toLowerCase()] = v;
  const fromUserinfo = basicAuth(first);
  if (fromUserinfo && base.authorization === undefined) base.authorization = fromUserinfo;
  let method = o.method.toUpperCase();
  let body = o.body;
  let current = url;
  for (let hop = 0; ; hop++) {
    const vetted = await vetUrl(current, o.guard);
    const headers: Record<string, string> = {};
    const trusted = vetted.url.origin === credentialsOrigin;
    for (const [k, v] of Object.entries(base)) if (trusted || !credentialHeaders.has(k)) headers[k] = v;
    if (body) headers['content-length'] = String(body.length);
    const what = o.what ?? `HTTP ${method}`;
    const res = await sendOnce(vetted, o, method, headers, body, what);
    const location = res.headers.location;
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && location) {
      res.resume();
      if (hop >= o.maxRedirects)
        throw new SourceError('source:fetch-failed', `${what} ${redactUrl(url)}: too many redirects`);
      // A Location's own userinfo is the redirecting server's choice: never sent anywhere.
      current = withoutUserinfo(new URL(location, vetted.url)).toString();
      if (status === 303 && method !== 'HEAD') {
        method = 'GET';
        body = undefined;
      }
      continue;
    }
    return { url: withoutUserinfo(vetted.url).toString(), response: res };
  }
}

export interface GuardedGetOptions {
  guard: UrlGuardOptions;
  /** The whole GET, redirects and body included, must finish within this (slow-drip servers too). */
  timeoutMs: number;
  /** Bytes of the body; more fails with `source:too-large` before they are held. */
  maxBytes: number;
  headers: Record<string, string>;
  /** The only origin that may receive credentials (default: the URL's own origin). */
  credentialsOrigin?: string;
  maxRedirects: number;
  /** How errors name the download (default `GET`), e.g. `chart download`. */
  what?: string;
}

export const defaultGuardedGetOptions: GuardedGetOptions = {
  guard: {},
  timeoutMs: 60_000,
  maxBytes: 64 * 1024 * 1024,
  headers: {},
  maxRedirects: 5,
};

export interface GuardedGetResult {
  /** The URL that answered, after redirects, without userinfo. */
  url: string;
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * GETs a tenant-chosen URL into memory: guard on every hop, connection to vetted addresses only,
 * credentials to their own origin only, body streamed against `maxBytes`, all within `timeoutMs`.
 * Any status is returned (the caller decides what a 404 means); failures are SourceErrors
 * (`source:url-refused`, `source:url-unresolved`, `source:fetch-failed`, `source:timeout`,
 * `source:too-large`) whose messages carry the URL redacted.
 */
export async function guardedGet(
  url: string,
  options: Partial<GuardedGetOptions> = {},
): Promise<GuardedGetResult> {
  const o = { ...defaultGuardedGetOptions, ...options };
  const what = o.what ?? 'GET';
  const shown = redactUrl(url);
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), o.timeoutMs);
  const timedOut = () =>
    new SourceError('source:timeout', `${what} ${shown} took longer than ${o.timeoutMs} ms`);
  try {
    const { url: answered, response } = await guardedRequest(url, {
      guard: o.guard,
      method: 'GET',
      headers: o.headers,
      timeoutMs: o.timeoutMs,
      maxRedirects: o.maxRedirects,
      credentialsOrigin: o.credentialsOrigin,
      what,
      signal: deadline.signal,
    }).catch((err: unknown) => {
      throw deadline.signal.aborted ? timedOut() : err;
    });
    const tooLarge = () =>
      new SourceError('source:too-large', `${what} ${shown}: the server sent more than ${o.maxBytes} bytes`);
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > o.maxBytes) {
      response.destroy();
      throw tooLarge();
    }
    const parts: Buffer[] = [];
    let total = 0;
    try {
      for await (const chunk of response as AsyncIterable<Buffer>) {
        total += chunk.length;
        if (total > o.maxBytes) {
          response.destroy();
          throw tooLarge();
        }
        parts.push(chunk);
      }
    } catch (err) {
      if (err instanceof SourceError) throw err;
      if (deadline.signal.aborted) throw timedOut();
      throw new SourceError('source:fetch-failed', `${what} ${shown} failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return {
      url: answered,
      status: response.statusCode ?? 0,
      headers: response.headers,
      body: Buffer.concat(parts),
    };
  } finally {
    clearTimeout(timer);
  }
}
