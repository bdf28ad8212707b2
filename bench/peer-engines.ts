// The engines side by side on the same apiserver and the same 1,000 objects (bench/objects.ts):
// Flux's server-side apply manager (fluxcd/pkg/ssa ApplyAllStaged, bench/peers/flux), Argo CD's
// sync engine (argoproj/gitops-engine, bench/peers/argo) and Gitferry's engine bundled with esbuild
// (bench/engine-sync-child.ts, not through tsx), each in its own process and namespace: cold
// apply, no-op, 10 changed; `--runs` alternating rounds (default 3), medians; peak memory (VmHWM)
// of each process. kubectl `apply --server-side` once, as a labelled baseline (one process,
// sequential requests). Ratios are Gitferry's over Flux's, from this one run.
// Usage: npm run bench:peers [-- --runs 3]   (bench/peers/build.sh builds the Go harnesses first)
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { build } from 'esbuild';
import { dump } from 'js-yaml';
import { readState, startTestbed, stopTestbed, type TestbedState } from '../test/testbed/testbed.js';
import { benchObjects, tenChanged } from './objects.js';

const exec = promisify(execFile);
const { values: flags } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, objects: { type: 'string', default: '1000' } },
});
const runs = Number(flags.runs);
const count = Number(flags.objects);
const concurrency = 32;
const cache = process.env.GITFERRY_PEERS_BIN ?? join(homedir(), '.cache', 'gitferry-bench-peers');

const owned = !process.env.GITFERRY_TESTBED_STATE;
const bed: TestbedState = owned ? await startTestbed() : readState(process.env.GITFERRY_TESTBED_STATE!);
const kubectl = (...args: string[]) =>
  exec(bed.bin.kubectl, ['--kubeconfig', bed.kubeconfig, ...args], { maxBuffer: 256 << 20 });
const tmp = mkdtempSync(join(tmpdir(), 'gitferry-bench-peers-'));
const stamp = Date.now().toString(36);
const namespaces: string[] = [];

interface Rounds {
  coldMs: number;
  noopMs: number;
  changeMs: number;
  peakRssMb: number;
  counts?: unknown;
}

execFileSync(join(import.meta.dirname, 'peers', 'build.sh'), { stdio: 'inherit' });
mkdirSync(cache, { recursive: true });
const engineBundle = join(cache, 'engine-child.mjs');
await build({
  entryPoints: [join(import.meta.dirname, 'engine-sync-child.ts')],
  outfile: engineBundle,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  banner: {
    js: "import { createRequire as __gfCreateRequire } from 'node:module'; const require = __gfCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});

async function namespace(name: string): Promise<string> {
  const ns = `peers-${name}-${stamp}`;
  await kubectl('create', 'namespace', ns);
  namespaces.push(ns);
  return ns;
}

function objectFiles(ns: string): { plain: string; changed: string } {
  const plain = join(tmp, `${ns}.json`);
  const changed = join(tmp, `${ns}-changed.json`);
  writeFileSync(plain, JSON.stringify(benchObjects(count, ns)));
  writeFileSync(changed, JSON.stringify(benchObjects(count, ns, tenChanged)));
  return { plain, changed };
}

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop()!) as Rounds;

const engines: Record<string, ((run: number) => Promise<Rounds>) | undefined> = {
  gitferry: async (run) => {
    const ns = await namespace(`gitferry-${run}`);
    const { stdout } = await exec(process.execPath, [engineBundle, bed.kubeconfig, ns, String(count)], {
      env: { ...process.env, BENCH_CONCURRENCY: String(concurrency) },
      maxBuffer: 64 << 20,
    });
    return lastJson(stdout);
  },
  flux: existsSync(join(cache, 'flux-harness'))
    ? async (run) => {
        const ns = await namespace(`flux-${run}`);
        const f = objectFiles(ns);
        const args = ['-kubeconfig', bed.kubeconfig, '-objects', f.plain, '-changed', f.changed];
        const { stdout } = await exec(join(cache, 'flux-harness'), [
          ...args,
          '-concurrency',
          String(concurrency),
        ]);
        return lastJson(stdout);
      }
    : undefined,
  argo: existsSync(join(cache, 'argo-harness'))
    ? async (run) => {
        const ns = await namespace(`argo-${run}`);
        const f = objectFiles(ns);
        const { stdout } = await exec(
          join(cache, 'argo-harness'),
          [...['-kubeconfig', bed.kubeconfig, '-namespace', ns, '-objects', f.plain, '-changed', f.changed]],
          { maxBuffer: 256 << 20 },
        ); // the engine logs every resource to stderr
        return lastJson(stdout);
      }
    : undefined,
};

async function kubectlRounds(): Promise<Rounds> {
  const ns = await namespace('kubectl');
  const file = (changed: Set<number>) => {
    const f = join(tmp, `kubectl-${changed.size}.yaml`);
    writeFileSync(
      f,
      benchObjects(count, ns, changed)
        .map((o) => dump(o))
        .join('---\n'),
    );
    return f;
  };
  const [plain, changed] = [file(new Set()), file(tenChanged)];
  const timed = async (f: string) => {
    const t = performance.now();
    await kubectl('apply', '--server-side', '--field-manager=bench-kubectl', '-f', f);
    return performance.now() - t;
  };
  return {
    coldMs: await timed(plain),
    noopMs: await timed(plain),
    changeMs: await timed(changed),
    peakRssMb: NaN,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
try {
  const results: Record<string, Rounds[]> = {};
  const failed: Record<string, string> = {};
  for (let run = 0; run < runs; run++) {
    // Alternate the order each run, so no engine always follows another's cleanup.
    const order = Object.keys(engines).filter((e) => engines[e] && !failed[e]);
    if (run % 2 === 1) order.reverse();
    for (const name of order) {
      try {
        const rounds = await engines[name]!(run);
        // Times of a round whose objects failed measure nothing: say so instead of a figure.
        if (/Failed/.test(JSON.stringify(rounds.counts ?? {})))
          throw new Error(`its objects failed to sync: ${JSON.stringify(rounds.counts)}`);
        (results[name] ??= []).push(rounds);
      } catch (err) {
        failed[name] = (err as Error).message.split('\n').slice(0, 4).join(' ').slice(0, 600);
      }
    }
  }
  const baseline = await kubectlRounds();
  const load = (await import('node:fs'))
    .readFileSync('/proc/loadavg', 'utf8')
    .split(' ')
    .slice(0, 3)
    .join(' ');
  const med = (name: string, key: keyof Rounds) => median(results[name]!.map((r) => r[key] as number));
  const s = (ms: number) => (Number.isNaN(ms) ? '—' : `${(ms / 1000).toFixed(2)} s`);
  console.log(
    `\nEngines side by side: ${count} objects, concurrency ${concurrency}, medians of ${runs} alternating runs (load average ${load})`,
  );
  console.log(`engine                          cold       no-op   10 changed   peak memory`);
  const row = (label: string, r: Pick<Rounds, 'coldMs' | 'noopMs' | 'changeMs' | 'peakRssMb'>) =>
    console.log(
      `${label.padEnd(30)} ${s(r.coldMs).padStart(7)}   ${s(r.noopMs).padStart(7)}   ${s(r.changeMs).padStart(9)}   ${Number.isNaN(r.peakRssMb) ? '—' : `${r.peakRssMb.toFixed(0)} MB`}`,
    );
  const medians = (name: string) => ({
    coldMs: med(name, 'coldMs'),
    noopMs: med(name, 'noopMs'),
    changeMs: med(name, 'changeMs'),
    peakRssMb: med(name, 'peakRssMb'),
  });
  const labels: Record<string, string> = {
    gitferry: 'Gitferry engine (esbuild)',
    flux: 'Flux ssa ApplyAllStaged',
    argo: 'Argo gitops-engine Sync',
  };
  for (const name of Object.keys(results)) row(labels[name]!, medians(name));
  row('kubectl SSA (1 process, seq.)', baseline);
  if (results.gitferry && results.flux) {
    const g = medians('gitferry');
    const f = medians('flux');
    const r = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
    console.log(
      `Gitferry ÷ Flux: cold ${r(g.coldMs, f.coldMs)} (goal ≤ 0.5×), no-op ${r(g.noopMs, f.noopMs)} (goal ≤ 0.1×), 10 changed ${r(g.changeMs, f.changeMs)}, memory ${r(g.peakRssMb, f.peakRssMb)} (goal ≤ 2×)`,
    );
  }
  for (const [name, why] of Object.entries(failed)) console.log(`${name}: did not run: ${why}`);
  for (const name of Object.keys(engines))
    if (!engines[name]) console.log(`${name}: harness not built (see ${cache}/${name}-build.log)`);
  if (process.env.BENCH_VERBOSE) console.log(JSON.stringify(results));
} finally {
  for (const ns of namespaces) await kubectl('delete', 'namespace', ns, '--wait=false').catch(() => {});
  rmSync(tmp, { recursive: true, force: true });
  if (owned) await stopTestbed(bed);
}
