// Bundles the web UI (ui/main.tsx, preact) into dist/ui/ with esbuild: one script and one
// stylesheet with content-hashed names under assets/, and index.html naming them (no inline
// code: the server's Content-Security-Policy allows none). Written through temporary files and
// renames, index.html last, so a running `gitferry serve` never reads a half-written build.
// `--quiet` prints nothing; `--metafile` prints the output sizes as JSON (bench/ui-size.mjs).
import { build } from 'esbuild';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = join(root, 'dist', 'ui');
const started = Date.now();
const result = await build({
  write: false,
  entryPoints: { main: join(root, 'ui', 'main.tsx') },
  outdir: join(outDir, 'assets'),
  entryNames: '[name]-[hash]',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome111', 'firefox115', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
});
mkdirSync(join(outDir, 'assets'), { recursive: true });
const place = (path, contents) => {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, contents);
  renameSync(tmp, path);
};
const assets = {};
for (const file of result.outputFiles) {
  place(file.path, file.contents);
  assets[file.path.endsWith('.css') ? 'css' : 'js'] = `/assets/${basename(file.path)}`;
}
const html = readFileSync(join(root, 'ui', 'index.html'), 'utf8')
  .replace('%SCRIPT%', assets.js)
  .replace('%STYLE%', assets.css);
place(join(outDir, 'index.html'), html);
// Assets of older builds stay a day (a page loaded before a rebuild still finds its script).
const written = new Set(result.outputFiles.map((f) => f.path));
for (const name of readdirSync(join(outDir, 'assets'))) {
  const file = join(outDir, 'assets', name);
  if (!written.has(file) && Date.now() - statSync(file).mtimeMs > 24 * 3600_000)
    rmSync(file, { force: true });
}
if (!process.argv.includes('--quiet'))
  console.log(
    `bundled the web UI in ${Date.now() - started} ms: ${relative(root, outDir)}/ (${Object.values(assets).join(', ')})`,
  );
