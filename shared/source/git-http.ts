import type { IncomingMessage } from 'node:http';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import { SourceError } from './errors.js';
import { guardedRequest } from './guarded-http.js';
import { redactUrl, type UrlGuardOptions } from './url-guard.js';

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
 * passes the URL guard and is connected to the addresses the guard vetted (guarded-http.ts),
 * credentials — ours, or the ones isomorphic-git derives from URL userinfo and passes as an
 * Authorization header — go only to the repo's own origin, and time and bytes are bounded.
 */
export function createGitHttpClient(options: Partial<GitHttpOptions> = {}): HttpClient {
  const o = { ...defaultGitHttpOptions, ...options };
  const budget = { left: o.maxBytes };
  let origin: string | undefined;
  return {
    async request(req: GitHttpRequest): Promise<GitHttpResponse> {
      const body = await collect(req.body);
      origin ??= new URL(req.url).origin;
      const method = req.method ?? 'GET';
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers ?? {})) headers[k.toLowerCase()] = v;
      if (o.credentials)
        headers.authorization = `Basic ${Buffer.from(`${o.credentials.username ?? 'git'}:${o.credentials.password}`).toString('base64')}`;
      const { url, response: res } = await guardedRequest(req.url, {
        guard: o.guard,
        method,
        headers,
        body,
        timeoutMs: o.timeoutMs,
        maxRedirects: o.maxRedirects,
        credentialsOrigin: origin,
        what: `git ${method}`,
      });
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
    },
  };
}
