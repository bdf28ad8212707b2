// Reads the built web UI (dist/ui, `npm run build` or scripts/build-ui.mjs) into memory once: a
// few files, served from memory by shared/api/ui-routes.ts.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { UiBundle, UiFile } from '../api/ui-routes.js';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
  '.json': 'application/json',
};

/** The UI in `dir`, or undefined when it has not been built there. */
export function loadUiBundle(dir: string): UiBundle | undefined {
  if (!existsSync(join(dir, 'index.html'))) return undefined;
  const files = new Map<string, UiFile>();
  const add = (rel: string) => {
    const contentType = types[extname(rel)];
    if (contentType) files.set(rel, { body: readFileSync(join(dir, rel)), contentType });
  };
  add('index.html');
  const assets = join(dir, 'assets');
  if (existsSync(assets)) for (const name of readdirSync(assets)) add(`assets/${name}`);
  return { files };
}
