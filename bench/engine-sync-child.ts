// Runs the engine's three rounds in its own process so its peak memory (VmHWM) is its own.
// Usage: node bench/engine-sync-child.ts-bundle <kubeconfig> <namespace> <count>
// BENCH_CLUSTER_PIDS (the apiserver's and etcd's pids, comma separated) adds each round's CPU time of
// those processes: what the engine cost the control plane (as the Go harnesses under peers/ do).
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
/** CPU time (user + system) of the cluster's processes in BENCH_CLUSTER_PIDS so far, in ms. */
const clusterCpuMs = () =>
  (process.env.BENCH_CLUSTER_PIDS ?? '')
    .split(',')
    .filter(Boolean)
    .reduce((total, pid) => {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // After "pid (comm) ": state is field 3, utime 14 and stime 15, in clock ticks (100 a second).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return total + (Number(fields[11]) + Number(fields[12])) * 10;
    }, 0);
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
): Promise<{ ms: number; cpuMs: number; clusterCpuMs: number; state: SyncState }> {
  phase = name;
  const desired = benchObjects(count, ns!, changed).map((object) => ({ object }));
  const cpu = process.cpuUsage();
  const clusterCpu = clusterCpuMs();
  const started = performance.now();
  const state = await runSync(rm, {
    desired,
    inventory,
    options: { destinationNamespace: ns, prune: true, pollIntervalMs: 100 },
  });
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const clusterUsed = clusterCpuMs() - clusterCpu;
  if (state.phase !== 'Succeeded') throw new Error(`engine round failed: ${state.message}`);
  if (trace) console.error(`${name} done in ${Math.round(ms)} ms: ${memory()}`);
  return { ms, cpuMs: (used.user + used.system) / 1000, clusterCpuMs: clusterUsed, state };
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
    clusterCpuMs: { cold: cold.clusterCpuMs, noop: noop.clusterCpuMs, change: change.clusterCpuMs },
    counts: { cold: counts(cold.state), noop: counts(noop.state), change: counts(change.state) },
  }),
);
