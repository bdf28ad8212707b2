import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import { SourceError } from './errors.js';
import { checkUrlAllowed, redactUrl, type UrlGuardOptions } from './url-guard.js';

export interface GitCredentials {
  username?: string;
  /** A token or password; sent as HTTP Basic auth, never placed in URLs, errors or logs. */
  password: string;
}

export interface GitHttpOptions {
  credentials?: GitCredentials;
  guard: UrlGuardOptions;
  /** Per request: no answer or no progress for this long fails the fetch. */
  timeoutMs: number;
  /** Bytes of all responses of one fetch together (the pack is held in memory by isomorphic-git). */
  maxBytes: number;
  maxRedirects: number;
}

export const defaultGitHttpOptions: GitHttpOptions = {
  guard: {},
  timeoutMs: 60_000,
  maxBytes: 512 * 1024 * 1024,
  maxRedirects: 5,
};

async function* bodyOf(
  res: IncomingMessage,
  budget: { left: number },
  url: string,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of res as AsyncIterable<Buffer>) {
    budget.left -= chunk.length;
    if (budget.left < 0) {
      res.destroy();
      throw new SourceError(
        'source:too-large',
        `git fetch from ${redactUrl(url)}: the server sent more than the size limit`,
      );
    }
    yield chunk;
  }
}

async function collect(body: GitHttpRequest['body']): Promise<Buffer | undefined> {
  if (!body) return undefined;
  const parts: Uint8Array[] = [];
  for await (const part of body as AsyncIterable<Uint8Array>) parts.push(part);
  return Buffer.concat(parts);
}

/**
 * isomorphic-git's HTTP client, made safe for a multi-tenant deployer: every URL (redirects too)
 * passes the URL guard, credentials go in a header only to the repo's own origin, and time and
 * bytes are bounded.
 */
export function createGitHttpClient(options: Partial<GitHttpOptions> = {}): HttpClient {
  const o = { ...defaultGitHttpOptions, ...options };
  const budget = { left: o.maxBytes };
  let origin: string | undefined;
  return {
    async request(req: GitHttpRequest): Promise<GitHttpResponse> {
      const body = await collect(req.body);
      let url = req.url;
      origin ??= new URL(url).origin;
      for (let hop = 0; ; hop++) {
        await checkUrlAllowed(url, o.guard);
        const target = new URL(url);
        const headers: Record<string, string> = { ...(req.headers ?? {}) };
        if (o.credentials && target.origin === origin) {
          headers.authorization = `Basic ${Buffer.from(`${o.credentials.username ?? 'git'}:${o.credentials.password}`).toString('base64')}`;
        }
        if (body) headers['content-length'] = String(body.length);
        const res = await new Promise<IncomingMessage>((resolve, reject) => {
          const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
          const r = send(target, { method: req.method ?? 'GET', headers, timeout: o.timeoutMs }, resolve);
          r.on('timeout', () =>
            r.destroy(
              new SourceError('source:timeout', `git ${req.method ?? 'GET'} ${redactUrl(url)} timed out`),
            ),
          );
          r.on('error', (err) =>
            reject(
              err instanceof SourceError
                ? err
                : new SourceError(
                    'source:fetch-failed',
                    `git ${req.method ?? 'GET'} ${redactUrl(url)} failed: ${err.message}`,
                  ),
            ),
          );
          r.end(body);
        });
        const location = res.headers.location;
        if (res.statusCode && res.statusCode >= 300 && res.statusCode < 400 && location) {
          res.resume();
          if (hop >= o.maxRedirects)
            throw new SourceError(
              'source:fetch-failed',
              `git fetch from ${redactUrl(req.url)}: too many redirects`,
            );
          url = new URL(location, url).toString();
          continue;
        }
        const flatHeaders: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers))
          if (v !== undefined) flatHeaders[k] = Array.isArray(v) ? v.join(', ') : v;
        return {
          url,
          method: req.method,
          statusCode: res.statusCode ?? 0,
          statusMessage: res.statusMessage ?? '',
          headers: flatHeaders,
          body: bodyOf(res, budget, url),
        };
      }
    },
  };
}
