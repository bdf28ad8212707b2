// Request bodies are capped while they stream in, before any handler reads them (notes/safety.md
// item 3; Argo CD crashed on a huge webhook body, CVE-2024-40634). hono's own bodyLimit trusts a
// Content-Length below the cap; this counts the bytes whatever the headers say, with the same loop
// the webhook function uses, and hands the handlers a body already in memory.
import type { MiddlewareHandler } from 'hono';
import { collectBody } from '../webhooks/request.js';

/**
 * Middleware reading the request body into memory, refusing it with `refuse(maxBytes)` (thrown,
 * for the app's error handler to answer 413) as soon as more than `maxBytes` have arrived: a
 * chunked body is counted as it comes, and a Content-Length over the cap is refused before a byte
 * is read. A Content-Length under the cap is not trusted either: the bytes are counted.
 */
export function capBody(maxBytes: number, refuse: (maxBytes: number) => Error): MiddlewareHandler {
  return async (c, next) => {
    const raw = c.req.raw;
    if (!raw.body) return next();
    const declared = raw.headers.get('content-length');
    if (declared !== null && /^\s*\d+\s*$/.test(declared) && Number(declared) > maxBytes) {
      // Not read: the server drains or drops what follows once the answer is sent.
      throw refuse(maxBytes);
    }
    const body = await collectBody(raw.body as unknown as AsyncIterable<Uint8Array>, maxBytes, refuse);
    c.req.raw = new Request(raw, { body });
    return next();
  };
}
