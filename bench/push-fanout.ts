// Pushes among many apps on one repository: N apps × 4 objects (the shape of bench/thousand-apps.ts),
// each a path of one git repo with Argo CD's `manifest-generate-paths: .`, run by the local runtime
// of `gitferry serve` (SQLite store and queue, N workers) in this process so its counters can be
// read. A proxy in front of the test bed's git server counts ref listings (ls-remote) and fetches
// on the wire; renders are counted at the renderer (a render that ran, not one answered by a cache).
//   (a) pushes that each touch one app: push-to-applied p50/p90, and what the other apps did
//       (wake-ups, ls-remotes) meanwhile;
//   (b) one push touching every app (a monorepo commit): ls-remotes, fetches and renders, and the
//       time until every app is applied.
// Usage: node --import tsx bench/push-fanout.ts [--apps 1000] [--pushes 10] [--workers 4] [--apps-per-path 1]
//   (starts the test bed unless GITFERRY_TESTBED_STATE is set). It measures whatever code sits
//   beside it: run a copy in a checkout of another commit for a baseline.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  readState,
  startTestbed,
  stateEnvVar,
  stateFile,
  stopTestbed,
  type TestbedState,
} from '../test/testbed/testbed.js';

const { values: flags } = parseArgs({
  options: {
    apps: { type: 'string', default: '1000' },
    pushes: { type: 'string', default: '10' },
    workers: { type: 'string', default: '4' },
    'apps-per-path': { type: 'string', default: '1' },
    'timeout-seconds': { type: 'string', default: '1200' },
  },
});
const apps = Number(flags.apps);
const pushes = Number(flags.pushes);
const workers = Number(flags.workers);
const perPath = Number(flags['apps-per-path']);
const paths = Math.ceil(apps / perPath);
const timeoutMs = Number(flags['timeout-seconds']) * 1000;

const owned = !process.env[stateEnvVar];
const bed: TestbedState = owned ? await startTestbed() : readState(process.env[stateEnvVar]!);
process.env[stateEnvVar] = stateFile(bed);
const { TestRepo } = await import('../test/support/git.js');
const { kubectl, uniqueName } = await import('../test/support/testbed.js');
const { startGitRequestCounter } = await import('../test/support/git-request-counter.js');
const { buildLocalRuntime, registerKubeconfigClusters } = await import('../shared/runtime/local.js');
const { startLocalWorkers } = await import('../shared/runtime/local-worker.js');
const { intakePush } = await import('../shared/control/push-intake.js');
const { requestRefresh } = await import('../shared/control/requests.js');

const run = uniqueName('pf');
const nsOf = (i: number) => `${run}-${String(i).padStart(5, '0')}`;
const appOf = (i: number) => `${run}-${String(i).padStart(5, '0')}`;
const pathOf = (i: number) => `apps/${Math.floor(i / perPath)}`;

/** One path's four objects (namespace-less: each app's destination namespace applies). */
function pathFiles(p: number, version: string): string {
  const name = `app-${p}`;
  return [
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: ${name} }\nspec:\n  replicas: 0\n  selector: { matchLabels: { app: ${name} } }\n  template:\n    metadata: { labels: { app: ${name} } }\n    spec: { containers: [ { name: app, image: "registry.invalid/app:1" } ] }\n`,
    `apiVersion: v1\nkind: ServiceAccount\nmetadata: { name: ${name} }\n`,
    `apiVersion: v1\nkind: Service\nmetadata: { name: ${name} }\nspec:\n  selector: { app: ${name} }\n  ports: [ { port: 80, targetPort: 8080 } ]\n`,
    `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name} }\ndata: { index: "${p}", version: "${version}" }\n`,
  ].join('---\n');
}

const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

const git = await startGitRequestCounter(bed.git.url);
const repo = await TestRepo.create('bench-fanout');
const url = `${git.url}/${repo.name}.git`;
const dataDir = mkdtempSync(join(tmpdir(), 'gitferry-bench-fanout-'));

// Wake-ups handled, per app, from the workers' own log lines.
const wakeUps = new Map<string, number>();
// BENCH_TRACE=1 prints every log line of the pushes in (a) with its ms since the push.
let traceFrom: number | undefined;
const trace = (m: string, e?: Record<string, unknown>) => {
  if (traceFrom !== undefined)
    console.error(`+${(performance.now() - traceFrom).toFixed(0)} ms ${m} ${JSON.stringify(e ?? {})}`);
};
const log = {
  info: (m: string, e?: Record<string, unknown>) => {
    trace(m, e);
    if (m === 'wake-up handled') wakeUps.set(String(e?.app), (wakeUps.get(String(e?.app)) ?? 0) + 1);
  },
  warn: () => {},
  error: (m: string, e?: Record<string, unknown>) => console.error(m, JSON.stringify(e)),
};
const totalWakeUps = () => [...wakeUps.values()].reduce((a, b) => a + b, 0);

const rt = buildLocalRuntime({
  dataDir,
  kubeconfig: bed.kubeconfig,
  tools: { helm: bed.bin.helm, kustomize: bed.bin.kustomize },
  allowedHosts: ['127.0.0.1/32'],
});
// Renders that ran: the renderer's own step, on this commit's code and on a baseline's alike.
let renders = 0;
const renderer = rt.renderer as unknown as { renderUncached: (...a: unknown[]) => Promise<unknown> };
const renderUncached = renderer.renderUncached.bind(rt.renderer);
renderer.renderUncached = (...a) => {
  renders++;
  return renderUncached(...a);
};
const counts = () => ({ ...git.counts(), renders, wakeUps: totalWakeUps() });
const delta = (a: ReturnType<typeof counts>, b: ReturnType<typeof counts>) =>
  `ls-remotes ${b.lsRefs - a.lsRefs}, fetches ${b.fetches - a.fetches}, renders ${b.renders - a.renders}, wake-ups ${b.wakeUps - a.wakeUps}`;

const [cluster] = await registerKubeconfigClusters(rt, log);
const pool = startLocalWorkers(rt, rt.wakeUps(log, 'bench-fanout'), log, {
  workers,
  driftIntervalMs: 24 * 3600_000,
});

/** Waits until every app in `which` reports revision sha with its operation Succeeded. */
async function allApplied(which: number[], sha: string, healthy = false): Promise<void> {
  const started = performance.now();
  let pending = which;
  while (pending.length > 0) {
    if (performance.now() - started > timeoutMs)
      throw new Error(`${pending.length} apps not applied at ${sha} after ${timeoutMs / 1000} s`);
    const next: number[] = [];
    for (const i of pending) {
      const s = await rt.store.getStatus(appOf(i));
      const done =
        s?.sync.revision === sha &&
        s.sync.status === 'Synced' &&
        s.operation?.phase === 'Succeeded' &&
        (!healthy || s.health.status === 'Healthy');
      if (!done) next.push(i);
    }
    pending = next;
    if (pending.length > 0) await sleep(pending.length === 1 ? 10 : 250);
  }
}

/** Waits until no wake-up has been handled for `quietMs`. */
async function quiet(quietMs = 3000): Promise<void> {
  let last = totalWakeUps();
  let since = performance.now();
  while (performance.now() - since < quietMs) {
    await sleep(200);
    if (totalWakeUps() !== last) {
      last = totalWakeUps();
      since = performance.now();
    }
  }
}

let exitCode = 0;
try {
  const all = Array.from({ length: apps }, (_, i) => i);
  const files: Record<string, string> = {};
  for (let p = 0; p < paths; p++) files[`apps/${p}/all.yaml`] = pathFiles(p, 'v0');
  const sha0 = await repo.commit(files, `${apps} apps on ${paths} paths`);
  const registration = performance.now();
  const start = counts();
  for (const i of all) {
    await rt.store.putApp({
      name: appOf(i),
      project: 'default',
      sources: [{ repoURL: url, path: pathOf(i), targetRevision: 'main' }],
      destination: { name: cluster!, namespace: nsOf(i) },
      syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
      ignoreDifferences: [],
      revisionHistoryLimit: 10,
      annotations: { 'argocd.argoproj.io/manifest-generate-paths': '.' },
    });
    await requestRefresh({ store: rt.store, queue: rt.queue, now: Date.now }, appOf(i));
  }
  await allApplied(all, sha0, true);
  const setupSeconds = (performance.now() - registration) / 1000;
  const setup = counts();
  await quiet();
  console.log(
    `${apps} apps × 4 objects on ${paths} paths of one repo, local runtime with ${workers} workers (load at start of pushes: ${load()})`,
  );
  console.log(
    `  registration to all Synced and Healthy: ${setupSeconds.toFixed(1)} s; ${delta(start, setup)}`,
  );

  // (a) Pushes that each touch one app (a path of one app when apps-per-path is 1).
  const latencies: number[] = [];
  const others = { wakeUps: 0, lsRemotes: 0 };
  const aStart = counts();
  for (let k = 1; k <= pushes; k++) {
    const p = (k * 7919) % paths;
    const touched = all.filter((i) => pathOf(i) === `apps/${p}`);
    const sha = await repo.commit({ [`apps/${p}/all.yaml`]: pathFiles(p, `v${k}`) }, `push ${k}`);
    await quiet(500);
    const before = counts();
    const wokenBefore = new Map(wakeUps);
    const t0 = performance.now();
    if (process.env.BENCH_TRACE) traceFrom = t0;
    await intakePush(
      {
        provider: 'github',
        deliveryId: `${run}-a-${k}`,
        repoUrls: [url],
        branch: 'main',
        sha,
        changedFiles: [`apps/${p}/all.yaml`],
      },
      { store: rt.store, queue: rt.queue, log, now: Date.now },
    );
    await allApplied(touched, sha);
    latencies.push(performance.now() - t0);
    trace('applied (seen by the bench)');
    traceFrom = undefined;
    await quiet(1000);
    const after = counts();
    for (const [app, n] of wakeUps)
      if (!touched.some((i) => appOf(i) === app)) others.wakeUps += n - (wokenBefore.get(app) ?? 0);
    // Each touched app resolves its branch once at most; more ls-remotes came from other apps.
    others.lsRemotes += Math.max(0, after.lsRefs - before.lsRefs - touched.length);
  }
  const aEnd = counts();
  console.log(
    `  (a) ${pushes} pushes touching ${perPath} app(s) each: push-to-applied p50 ${pct(latencies, 50).toFixed(0)} ms, p90 ${pct(latencies, 90).toFixed(0)} ms (min ${Math.min(...latencies).toFixed(0)}, max ${Math.max(...latencies).toFixed(0)})`,
  );
  console.log(
    `      meanwhile: wake-ups of untouched apps ${others.wakeUps}, ls-remotes beyond the touched apps' own ${others.lsRemotes}; totals: ${delta(aStart, aEnd)}`,
  );

  // (b) One push touching every app.
  const bFiles: Record<string, string> = {};
  for (let p = 0; p < paths; p++) bFiles[`apps/${p}/all.yaml`] = pathFiles(p, 'mono');
  const shaB = await repo.commit(bFiles, 'monorepo change');
  await quiet(500);
  const bBefore = counts();
  const tB = performance.now();
  await intakePush(
    {
      provider: 'github',
      deliveryId: `${run}-b`,
      repoUrls: [url],
      branch: 'main',
      sha: shaB,
      changedFiles: Object.keys(bFiles),
    },
    { store: rt.store, queue: rt.queue, log, now: Date.now },
  );
  await allApplied(all, shaB);
  const bSeconds = (performance.now() - tB) / 1000;
  const bAfter = counts();
  console.log(
    `  (b) one push touching all ${apps} apps (${paths} distinct paths): all applied in ${bSeconds.toFixed(1)} s; ${delta(bBefore, bAfter)}`,
  );
  const stats = (rt.renderer as { stats?: () => unknown }).stats?.();
  if (stats) console.log(`      renderer counters: ${JSON.stringify(stats)}`);
  console.log(`  load average at the end: ${load()}`);
} catch (err) {
  console.error((err as Error).stack ?? err);
  exitCode = 1;
} finally {
  await pool.stop();
  rt.db.close();
  await git.close();
  repo.dispose();
  for (let i = 0; i < apps; i += 200) {
    const names = Array.from({ length: Math.min(200, apps - i) }, (_, k) => nsOf(i + k));
    await kubectl(['delete', 'namespace', '--wait=false', '--ignore-not-found', ...names]).catch(() => {});
  }
  rmSync(dataDir, { recursive: true, force: true });
  if (owned) await stopTestbed(bed);
}
process.exit(exitCode);
