// CLI start-up and `serve` idle memory, against a bare `node -e 0` measured in the same run.
// Goals (issue 19): a CLI command starts ≤ 100 ms over bare node; `serve` idles ≤ 120 MB RSS.
// Usage: node bench/cli-startup.mjs [runs]   (plain node: no tsx, no build step of its own)
import { execFileSync, spawn } from 'node:child_process';
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

function wallMs(file, args) {
  const t = process.hrtime.bigint();
  execFileSync(file, args, { env, stdio: 'ignore' });
  return Number(process.hrtime.bigint() - t) / 1e6;
}

// One warm-up each (a stale bundle is rebuilt by bin/gitferry on first use; not measured).
wallMs(cli, ['--help']);
const bare = [];
const cases = { '--version': [], 'app list --help': [], 'app list (no server)': [] };
const argsOf = {
  '--version': ['--help'],
  'app list --help': ['app', 'list', '--help'],
  'app list (no server)': ['--server', 'http://127.0.0.1:1', 'app', 'list'],
};
for (let i = 0; i < runs; i++) {
  // Interleaved, so a busy moment on a shared machine hits baseline and CLI alike.
  bare.push(wallMs(process.execPath, ['-e', '0']));
  for (const [name, xs] of Object.entries(cases)) {
    try {
      xs.push(wallMs(cli, argsOf[name]));
    } catch (err) {
      // `app list` against no server exits 2, as it should; the time is what counts.
      if (name !== 'app list (no server)') throw err;
      xs.push(Number.NaN);
    }
  }
}
const base = median(bare);
console.log(`bare node -e 0: ${base.toFixed(0)} ms (median of ${runs})`);
console.log('command                      median ms  over bare ms  ratio  goal');
for (const [name, xs] of Object.entries(cases)) {
  const m = median(xs.filter((x) => !Number.isNaN(x)).length ? xs.filter((x) => !Number.isNaN(x)) : xs);
  console.log(
    `gitferry ${name.padEnd(20)} ${m.toFixed(0).padStart(9)}  ${(m - base).toFixed(0).padStart(12)}  ${(m / base).toFixed(2).padStart(4)}×  ≤ 100 ms over bare`,
  );
}

// serve idle: a fresh data dir, no clusters, no apps; RSS after it has answered and settled.
const port = await new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const child = spawn(
  cli,
  ['serve', '--port', String(port), '--data-dir', join(env.GITFERRY_DATA_DIR, 'serve')],
  {
    env: { ...env, KUBECONFIG: '' },
    stdio: 'ignore',
  },
);
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
rmSync(env.GITFERRY_DATA_DIR, { recursive: true, force: true });
console.log(
  `gitferry serve: answers /healthz after ${upMs} ms; idle RSS ${median(samples).toFixed(0)} MB (goal ≤ 120 MB)`,
);
