// The engines side by side on the same apiserver and the same 1,000 objects (bench/objects.ts):
// Flux's server-side apply manager (fluxcd/pkg/ssa ApplyAllStaged, bench/peers/flux), Argo CD's
// sync engine (argoproj/gitops-engine, bench/peers/argo) and Gitferry's engine bundled with esbuild
// (bench/engine-sync-child.ts, not through tsx), each in its own process and namespace: cold
// apply, no-op, 10 changed; `--runs` alternating rounds (default 3), medians; peak memory (VmHWM)
// of each process. kubectl `apply --server-side` once, as a labelled baseline (one process,
// sequential requests). Ratios are Gitferry's over Flux's, from this one run, against issue 17's
// goals (cold ≤ 0.5×, no-op ≤ 0.1×, peak memory ≤ 2×), each said met or missed.
// `--before DIR` also runs the engine of another checkout (e.g. `git archive main`, with a
// node_modules link) in the same alternating rounds, so a change is measured against its base on
// the same machine at the same load. CPU is each process's own (user + system) per round: on a
// shared 2-core machine the client's CPU is taken from the apiserver's. Cluster CPU is the
// apiserver's and etcd's during each round (BENCH_CLUSTER_PIDS, read by each harness): what an
// engine costs the control plane it shares with every other client of the cluster.
// BENCH_ENGINE_NODE_FLAGS (e.g. "--optimize-for-size") runs Gitferry's engine processes with those
// Node flags, to see what V8's heap sizing costs; production sets none, so the default run has none.
// Usage: npm run bench:peers [-- --runs 3] [-- --before /tmp/gitferry-main] [-- --only gitferry,flux]
//   (bench/peers/build.sh builds the Go harnesses first)
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { build } from 'esbuild';
import { dump } from 'js-yaml';
import { readState, startTestbed, stopTestbed, type TestbedState } from '../test/testbed/testbed.js';
import { benchObjects, tenChanged } from './objects.js';

const exec = promisify(execFile);
const { values: flags } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    objects: { type: 'string', default: '1000' },
    before: { type: 'string' },
    // Which to run, e.g. `gitferry,before,flux` (default all; `kubectl` is the baseline).
    only: { type: 'string' },
  },
});
const runs = Number(flags.runs);
const count = Number(flags.objects);
const concurrency = 32;
const cache = process.env.GITFERRY_PEERS_BIN ?? join(homedir(), '.cache', 'gitferry-bench-peers');

const owned = !process.env.GITFERRY_TESTBED_STATE;
const bed: TestbedState = owned ? await startTestbed() : readState(process.env.GITFERRY_TESTBED_STATE!);
const kubectl = (...args: string[]) =>
  exec(bed.bin.kubectl, ['--kubeconfig', bed.kubeconfig, ...args], { maxBuffer: 256 << 20 });
// The apiserver's and etcd's pids: each harness reads their CPU time around each round.
const clusterPids = bed.processes
  .filter((p) => p.name === 'kube-apiserver' || p.name === 'etcd')
  .map((p) => p.pid)
  .join(',');
const harnessEnv = { ...process.env, BENCH_CLUSTER_PIDS: clusterPids };
const tmp = mkdtempSync(join(tmpdir(), 'gitferry-bench-peers-'));
const stamp = Date.now().toString(36);
const namespaces: string[] = [];

interface Rounds {
  coldMs: number;
  noopMs: number;
  changeMs: number;
  peakRssMb: number;
  cpuMs?: { cold: number; noop: number; change: number };
  clusterCpuMs?: { cold: number; noop: number; change: number };
  counts?: unknown;
}

const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const loadAtStart = loadAverage();

execFileSync(join(import.meta.dirname, 'peers', 'build.sh'), { stdio: 'inherit' });
mkdirSync(cache, { recursive: true });
/** Bundles a checkout's bench/engine-sync-child.ts (as the Lambda bundles are built: esbuild, minified). */
async function bundleEngine(checkout: string, outfile: string): Promise<string> {
  await build({
    entryPoints: [join(checkout, 'bench', 'engine-sync-child.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minify: true,
    nodePaths: [join(import.meta.dirname, '..', 'node_modules')],
    banner: {
      js: "import { createRequire as __gfCreateRequire } from 'node:module'; const require = __gfCreateRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  return outfile;
}
const engineBundle = await bundleEngine(join(import.meta.dirname, '..'), join(cache, 'engine-child.mjs'));
const beforeBundle = flags.before
  ? await bundleEngine(flags.before, join(cache, 'engine-child-before.mjs'))
  : undefined;

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

const gitferryRounds = (bundle: string, label: string) => async (run: number) => {
  const ns = await namespace(`${label}-${run}`);
  const nodeFlags = (process.env.BENCH_ENGINE_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const { stdout } = await exec(process.execPath, [...nodeFlags, bundle, bed.kubeconfig, ns, String(count)], {
    env: { ...harnessEnv, BENCH_CONCURRENCY: String(concurrency) },
    maxBuffer: 64 << 20,
  });
  return lastJson(stdout);
};

const engines: Record<string, ((run: number) => Promise<Rounds>) | undefined> = {
  gitferry: gitferryRounds(engineBundle, 'gitferry'),
  ...(beforeBundle ? { before: gitferryRounds(beforeBundle, 'before') } : {}),
  flux: existsSync(join(cache, 'flux-harness'))
    ? async (run) => {
        const ns = await namespace(`flux-${run}`);
        const f = objectFiles(ns);
        const args = ['-kubeconfig', bed.kubeconfig, '-objects', f.plain, '-changed', f.changed];
        const { stdout } = await exec(
          join(cache, 'flux-harness'),
          [...args, '-concurrency', String(concurrency)],
          { env: harnessEnv },
        );
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
          { maxBuffer: 256 << 20, env: harnessEnv },
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

const chosen = (name: string) => !flags.only || flags.only.split(',').includes(name);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
try {
  const results: Record<string, Rounds[]> = {};
  const failed: Record<string, string> = {};
  for (let run = 0; run < runs; run++) {
    // Alternate the order each run, so no engine always follows another's cleanup.
    const order = Object.keys(engines).filter((e) => engines[e] && !failed[e] && chosen(e));
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
  const baseline = chosen('kubectl') ? await kubectlRounds() : undefined;
  const med = (name: string, pick: (r: Rounds) => number) => median(results[name]!.map(pick));
  const s = (ms: number) => (Number.isNaN(ms) ? '—' : `${(ms / 1000).toFixed(2)} s`);
  if (process.env.BENCH_ENGINE_NODE_FLAGS)
    console.log(`\nGitferry's engine ran with Node flags: ${process.env.BENCH_ENGINE_NODE_FLAGS}`);
  console.log(
    `\nEngines side by side: ${count} objects, concurrency ${concurrency}, medians of ${runs} alternating runs (load average ${loadAtStart} at the start, ${loadAverage()} at the end)`,
  );
  console.log(
    `engine                          cold       no-op   10 changed   peak memory   CPU cold / no-op / changed   cluster CPU cold / no-op / changed`,
  );
  const row = (label: string, r: Medians) =>
    console.log(
      `${label.padEnd(30)} ${s(r.coldMs).padStart(7)}   ${s(r.noopMs).padStart(7)}   ${s(r.changeMs).padStart(9)}   ${(Number.isNaN(r.peakRssMb) ? '—' : `${r.peakRssMb.toFixed(0)} MB`).padStart(11)}   ${(r.cpu ? r.cpu.map((c) => s(c)).join(' / ') : '—').padEnd(26)}   ${r.clusterCpu ? r.clusterCpu.map((c) => s(c)).join(' / ') : '—'}`,
    );
  interface Medians {
    coldMs: number;
    noopMs: number;
    changeMs: number;
    peakRssMb: number;
    cpu?: number[];
    clusterCpu?: number[];
  }
  const medians = (name: string): Medians => ({
    coldMs: med(name, (r) => r.coldMs),
    noopMs: med(name, (r) => r.noopMs),
    changeMs: med(name, (r) => r.changeMs),
    peakRssMb: med(name, (r) => r.peakRssMb),
    cpu: results[name]!.every((r) => r.cpuMs)
      ? [med(name, (r) => r.cpuMs!.cold), med(name, (r) => r.cpuMs!.noop), med(name, (r) => r.cpuMs!.change)]
      : undefined,
    clusterCpu: results[name]!.every((r) => r.clusterCpuMs)
      ? [
          med(name, (r) => r.clusterCpuMs!.cold),
          med(name, (r) => r.clusterCpuMs!.noop),
          med(name, (r) => r.clusterCpuMs!.change),
        ]
      : undefined,
  });
  const labels: Record<string, string> = {
    gitferry: 'Gitferry engine (esbuild)',
    before: 'Gitferry engine, --before',
    flux: 'Flux ssa ApplyAllStaged',
    argo: 'Argo gitops-engine Sync',
  };
  for (const name of Object.keys(results)) row(labels[name]!, medians(name));
  if (baseline) row('kubectl SSA (1 process, seq.)', baseline);
  const ratio = (a: number, b: number) => a / b;
  const judged = (value: number, goal: number) =>
    `${value.toFixed(2)}× (goal ≤ ${goal}×: ${value <= goal ? 'met' : 'missed'})`;
  for (const name of ['gitferry', 'before'].filter((n) => results[n])) {
    if (!results.flux) break;
    const g = medians(name);
    const f = medians('flux');
    console.log(
      `${name === 'gitferry' ? 'Gitferry' : 'Before'} ÷ Flux: cold ${judged(ratio(g.coldMs, f.coldMs), 0.5)}, no-op ${judged(ratio(g.noopMs, f.noopMs), 0.1)}, 10 changed ${ratio(g.changeMs, f.changeMs).toFixed(2)}×, peak memory ${judged(ratio(g.peakRssMb, f.peakRssMb), 2)}`,
    );
    if (g.clusterCpu && f.clusterCpu)
      console.log(
        `  cluster CPU (apiserver + etcd) ÷ Flux's: cold ${ratio(g.clusterCpu[0]!, f.clusterCpu[0]!).toFixed(2)}×, no-op ${ratio(g.clusterCpu[1]!, f.clusterCpu[1]!).toFixed(2)}×, 10 changed ${ratio(g.clusterCpu[2]!, f.clusterCpu[2]!).toFixed(2)}×`,
      );
  }
  if (results.gitferry && results.before) {
    const g = medians('gitferry');
    const b = medians('before');
    console.log(
      `Gitferry ÷ before: cold ${ratio(g.coldMs, b.coldMs).toFixed(2)}×, no-op ${ratio(g.noopMs, b.noopMs).toFixed(2)}×, 10 changed ${ratio(g.changeMs, b.changeMs).toFixed(2)}×, peak memory ${ratio(g.peakRssMb, b.peakRssMb).toFixed(2)}×`,
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
