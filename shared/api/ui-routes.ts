// The web UI, served by the same app as the API: its content-hashed assets under /assets/ (cached
// for a year), and index.html for every other GET outside /api and /auth (the UI's own routes,
// /apps/<name> and so on, load the same page). Every answer carries a strict Content-Security-
// Policy: scripts and styles from this origin only, no inline code, no eval, no framing.
import type { Context, Hono } from 'hono';
import type { BlankEnv } from 'hono/types';
import { problem } from './problems.js';

export interface UiFile {
  body: Uint8Array;
  contentType: string;
}

/** The built UI (dist/ui): `index.html` and `assets/<name>-<hash>.<ext>`. */
export interface UiBundle {
  files: ReadonlyMap<string, UiFile>;
}

export const uiContentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function send(c: Context, file: UiFile, cacheControl: string): Response {
  return c.body(file.body as Uint8Array<ArrayBuffer>, 200, {
    'content-type': file.contentType,
    'cache-control': cacheControl,
    'content-security-policy': uiContentSecurityPolicy,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
  });
}

/** Adds the UI's routes to `api`; call after the API's own routes. */
export function addUiRoutes(api: Hono<BlankEnv>, ui: UiBundle): void {
  api.get('/assets/:file', (c) => {
    const file = ui.files.get(`assets/${c.req.param('file')}`);
    if (!file) return problem(c, 404, 'Not Found', `no asset ${c.req.path}`);
    // Names carry their content's hash: a new build is new names, so an asset never changes.
    return send(c, file, 'public, max-age=31536000, immutable');
  });
  api.get('*', (c) => {
    const path = c.req.path;
    const index = ui.files.get('index.html');
    if (!index || path.startsWith('/api/') || path === '/api' || path.startsWith('/auth/'))
      return problem(c, 404, 'Not Found', `no route for ${c.req.method} ${path}`);
    // Always revalidated: it names the current assets.
    return send(c, index, 'no-cache');
  });
}
