// CLI start-up and `serve` idle memory, against a bare `node -e 0` measured in the same run.
// Goals (issue 19): a CLI command starts ≤ 100 ms over bare node; `serve` idles ≤ 120 MB RSS.
// Usage: node bench/cli-startup.mjs [runs]   (plain node: no tsx, no build step of its own)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'bin/gitferry');
const runs = Number(process.argv[2] ?? 15);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const env = { ...process.env, GITFERRY_DATA_DIR: mkdtempSync(join(tmpdir(), 'gitferry-bench-')) };

// The same CLI run from its TypeScript through tsx, as bin/gitferry ran it before the bundle.
const fromSourceArgs = (args) => [
  '--disable-warning=ExperimentalWarning',
  '--import',
  `file://${join(root, 'node_modules/tsx/dist/loader.mjs')}`,
  join(root, 'cli/gitferry.ts'),
  ...args,
];

function wallMs(file, args) {
  const t = process.hrtime.bigint();
  // Exit codes are not checked: `app list` against no server exits 2, as it should.
  spawnSync(file, args, { env, stdio: 'ignore' });
  return Number(process.hrtime.bigint() - t) / 1e6;
}

// One warm-up each (a stale bundle is rebuilt by bin/gitferry on first use; not measured).
wallMs(cli, ['--version']);
const bare = [];
const cases = { '--version': [], 'app list --help': [], 'app list (no server)': [] };
const fromSource = { '--version': [], 'app list --help': [], 'app list (no server)': [] };
const argsOf = {
  '--version': ['--version'],
  'app list --help': ['app', 'list', '--help'],
  'app list (no server)': ['--server', 'http://127.0.0.1:1', 'app', 'list'],
};
for (let i = 0; i < runs; i++) {
  // Interleaved, so a busy moment on a shared machine hits baseline and CLI alike.
  bare.push(wallMs(process.execPath, ['-e', '0']));
  for (const [name, xs] of Object.entries(cases)) {
    xs.push(wallMs(cli, argsOf[name]));
    fromSource[name].push(wallMs(process.execPath, fromSourceArgs(argsOf[name])));
  }
}
const base = median(bare);
console.log(`bare node -e 0: ${base.toFixed(0)} ms (median of ${runs})`);
console.log(`${'command'.padEnd(44)} median ms  over bare ms  ratio  goal`);
const row = (label, xs, goal) => {
  const m = median(xs);
  console.log(
    `${label.padEnd(44)} ${m.toFixed(0).padStart(9)}  ${(m - base).toFixed(0).padStart(12)}  ${(m / base).toFixed(2).padStart(5)}×  ${goal}`,
  );
};
for (const [name, xs] of Object.entries(cases)) row(`gitferry ${name} (bundle)`, xs, '≤ 100 ms over bare');
for (const [name, xs] of Object.entries(fromSource)) row(`gitferry ${name} (tsx, before)`, xs, '');

// serve idle: a fresh data dir, no clusters, no apps; RSS after it has answered and settled.
const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });

async function serveIdle(command, argsOf) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'gitferry-bench-serve-'));
  const child = spawn(command, argsOf(['serve', '--port', String(port), '--data-dir', dataDir]), {
    env: { ...env, KUBECONFIG: '' },
    stdio: 'ignore',
  });
  const rssMb = () => {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  };
  const startedAt = Date.now();
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() - startedAt > 60_000) throw new Error('serve did not answer /healthz within 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  const upMs = Date.now() - startedAt;
  // A few API calls, then idle: the figure is what a resting serve holds.
  for (let i = 0; i < 5; i++) await fetch(`http://127.0.0.1:${port}/api/openapi.json`).then((r) => r.text());
  await new Promise((r) => setTimeout(r, 3000));
  const samples = [];
  for (let i = 0; i < 5; i++) {
    samples.push(rssMb());
    await new Promise((r) => setTimeout(r, 400));
  }
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(dataDir, { recursive: true, force: true });
  return { upMs, rssMb: median(samples) };
}

const bundled = await serveIdle(cli, (args) => args);
const source = await serveIdle(process.execPath, fromSourceArgs);
rmSync(env.GITFERRY_DATA_DIR, { recursive: true, force: true });
console.log(
  `gitferry serve (bundle):      /healthz after ${bundled.upMs} ms; idle RSS ${bundled.rssMb.toFixed(0)} MB (goal ≤ 120 MB)`,
);
console.log(
  `gitferry serve (tsx, before): /healthz after ${source.upMs} ms; idle RSS ${source.rssMb.toFixed(0)} MB`,
);
