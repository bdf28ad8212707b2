// Runs the engine's three rounds in its own process so its peak memory (VmHWM) is its own.
// Usage: node --import tsx bench/engine-sync-child.ts <kubeconfig> <namespace> <count>
import { readFileSync } from 'node:fs';
import { connectionFromKubeconfig } from '../shared/engine/cluster-connection.js';
import { readKubeconfig } from '../shared/engine/kubeconfig.js';
import { ResourceManager } from '../shared/engine/resource-manager.js';
import { runSync, type SyncState } from '../shared/engine/sync-operation.js';
import { benchObjects, tenChanged } from './objects.js';

const [kubeconfig, ns, countArg] = process.argv.slice(2);
const count = Number(countArg);
const rm = new ResourceManager(await connectionFromKubeconfig(readKubeconfig(kubeconfig!), 'bench'), {
  concurrency: Number(process.env.BENCH_CONCURRENCY ?? 32),
});

async function round(
  changed: Set<number>,
  inventory: SyncState['inventory'],
): Promise<{ ms: number; state: SyncState }> {
  const desired = benchObjects(count, ns!, changed).map((object) => ({ object }));
  const started = performance.now();
  const state = await runSync(rm, {
    desired,
    inventory,
    options: { destinationNamespace: ns, prune: true, pollIntervalMs: 100 },
  });
  const ms = performance.now() - started;
  if (state.phase !== 'Succeeded') throw new Error(`engine round failed: ${state.message}`);
  return { ms, state };
}

const cold = await round(new Set(), []);
const noop = await round(new Set(), cold.state.inventory);
const change = await round(tenChanged, noop.state.inventory);
const counts = (s: SyncState) =>
  s.results.reduce<Record<string, number>>((m, r) => ((m[r.action] = (m[r.action] ?? 0) + 1), m), {});
const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
rm.close();
console.log(
  JSON.stringify({
    coldMs: cold.ms,
    noopMs: noop.ms,
    changeMs: change.ms,
    peakRssMb: Number(hwm) / 1024,
    counts: { cold: counts(cold.state), noop: counts(noop.state), change: counts(change.state) },
  }),
);
