// Bundles the gitferry CLI (cli/gitferry.ts, `serve` included) into dist/cli/ with esbuild: ESM
// with code splitting, so a command loads only its own chunk (serve's runtime, the AWS signer and
// the Kubernetes client stay out of `app list`). Native and file-loading packages stay external
// (better-sqlite3, wasmoon). Stamped with the version and commit (`gitferry version`).
// Chunks have content-hashed names and are written before the entry file, each through a
// temporary file and a rename: a build running beside a live `gitferry serve` or another build
// (bin/gitferry rebuilds a stale bundle from any shell) never leaves a half-written file, and a
// running process still finds the chunks it loads later. Chunks unused for a day are removed.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = join(root, 'dist', 'cli');

function commit() {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
    const dirty = execFileSync(
      'git',
      ['status', '--porcelain', '--untracked-files=no', '--', 'cli', 'shared'],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    )
      .toString()
      .trim();
    return dirty ? `${sha}-dirty` : sha;
  } catch {
    return 'unknown';
  }
}

const started = Date.now();
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const info = { version, commit: commit(), builtAt: new Date().toISOString() };
const result = await build({
  write: false,
  entryPoints: { gitferry: join(root, 'cli', 'gitferry.ts') },
  outdir: outDir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  minify: process.env.GITFERRY_BUILD_MINIFY !== '0',
  // CommonJS packages inside an ESM bundle still call require() for Node's built-ins.
  banner: {
    js: "import { createRequire as __gfCreateRequire } from 'node:module'; const require = __gfCreateRequire(import.meta.url);",
  },
  external: ['better-sqlite3', 'wasmoon'],
  define: { GITFERRY_BUILD_INFO: JSON.stringify(info) },
  logLevel: 'warning',
});
mkdirSync(outDir, { recursive: true });
const entry = join(outDir, 'gitferry.mjs');
const place = (file) => {
  const tmp = `${file.path}.${process.pid}.tmp`;
  writeFileSync(tmp, file.contents);
  renameSync(tmp, file.path);
};
for (const file of result.outputFiles) if (file.path !== entry) place(file);
place(result.outputFiles.find((f) => f.path === entry));
const written = new Set(result.outputFiles.map((f) => f.path));
for (const name of readdirSync(outDir)) {
  const file = join(outDir, name);
  if (!written.has(file) && Date.now() - statSync(file).mtimeMs > 24 * 3600_000)
    rmSync(file, { force: true });
}
if (!process.argv.includes('--quiet'))
  console.log(
    `bundled the gitferry CLI in ${Date.now() - started} ms: dist/cli/gitferry.mjs (${info.commit})`,
  );
