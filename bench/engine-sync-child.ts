// Runs the engine's three rounds in its own process so its peak memory (VmHWM) is its own.
// Usage: node bench/engine-sync-child.ts-bundle <kubeconfig> <namespace> <count>
// BENCH_TRACE=1 prints memory (rss, heap, external) every 50 ms and at each round's end to stderr;
// BENCH_HEAP_SNAPSHOT=<file> writes a heap snapshot after the last round (open it in DevTools).
import { readFileSync } from 'node:fs';
import { writeHeapSnapshot } from 'node:v8';
import { connectionFromKubeconfig } from '../shared/engine/cluster-connection.js';
import { readKubeconfig } from '../shared/engine/kubeconfig.js';
import { ResourceManager } from '../shared/engine/resource-manager.js';
import { runSync, type SyncState } from '../shared/engine/sync-operation.js';
import { benchObjects, tenChanged } from './objects.js';

const [kubeconfig, ns, countArg] = process.argv.slice(2);
const count = Number(countArg);
const trace = process.env.BENCH_TRACE === '1';
const mb = (n: number) => Math.round(n / 2 ** 20);
const memory = () => {
  const m = process.memoryUsage();
  return `rss ${mb(m.rss)} heapUsed ${mb(m.heapUsed)} heapTotal ${mb(m.heapTotal)} external ${mb(m.external)} arrayBuffers ${mb(m.arrayBuffers)}`;
};
let peak = { rss: 0, at: '' };
let phase = 'start';
const sampler = trace
  ? setInterval(() => {
      const rss = process.memoryUsage.rss();
      if (rss > peak.rss) peak = { rss, at: `${phase}: ${memory()}` };
    }, 50)
  : undefined;
if (trace) console.error(`start: ${memory()}`);

const rm = new ResourceManager(await connectionFromKubeconfig(readKubeconfig(kubeconfig!), 'bench'), {
  concurrency: Number(process.env.BENCH_CONCURRENCY ?? 32),
});

async function round(
  name: string,
  changed: Set<number>,
  inventory: SyncState['inventory'],
): Promise<{ ms: number; cpuMs: number; state: SyncState }> {
  phase = name;
  const desired = benchObjects(count, ns!, changed).map((object) => ({ object }));
  const cpu = process.cpuUsage();
  const started = performance.now();
  const state = await runSync(rm, {
    desired,
    inventory,
    options: { destinationNamespace: ns, prune: true, pollIntervalMs: 100 },
  });
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  if (state.phase !== 'Succeeded') throw new Error(`engine round failed: ${state.message}`);
  if (trace) console.error(`${name} done in ${Math.round(ms)} ms: ${memory()}`);
  return { ms, cpuMs: (used.user + used.system) / 1000, state };
}

const cold = await round('cold', new Set(), []);
const noop = await round('no-op', new Set(), cold.state.inventory);
const change = await round('10 changed', tenChanged, noop.state.inventory);
const counts = (s: SyncState) =>
  s.results.reduce<Record<string, number>>((m, r) => ((m[r.action] = (m[r.action] ?? 0) + 1), m), {});
if (process.env.BENCH_HEAP_SNAPSHOT) writeHeapSnapshot(process.env.BENCH_HEAP_SNAPSHOT);
const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
rm.close();
if (sampler) {
  clearInterval(sampler);
  console.error(`highest sampled rss in ${peak.at}`);
}
console.log(
  JSON.stringify({
    coldMs: cold.ms,
    noopMs: noop.ms,
    changeMs: change.ms,
    peakRssMb: Number(hwm) / 1024,
    cpuMs: { cold: cold.cpuMs, noop: noop.cpuMs, change: change.cpuMs },
    counts: { cold: counts(cold.state), noop: counts(noop.state), change: counts(change.state) },
  }),
);
