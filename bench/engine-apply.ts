// Benchmark: applying a 1,000-object app with Gitferry's engine, with `kubectl apply --server-side`
// and with a raw concurrent server-side-apply PATCH loop, on the same test bed apiserver, each in
// a fresh namespace. Prints times and ratios measured in this one run.
// Usage: npm run bench  (starts the test bed unless GITFERRY_TESTBED_STATE points at a running one)
import { execFile } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pLimit from 'p-limit';
import { dump } from 'js-yaml';
import { connectionFromKubeconfig } from '../shared/engine/cluster-connection.js';
import { readKubeconfig } from '../shared/engine/kubeconfig.js';
import { KubeClient } from '../shared/engine/kube-client.js';
import { Discovery, resourcePath } from '../shared/engine/discovery.js';
import { readState, startTestbed, stopTestbed, type TestbedState } from '../test/testbed/testbed.js';
import { benchObjects, tenChanged } from './objects.js';
import type { KubeObject } from '../shared/domain/kube-object.js';

const exec = promisify(execFile);
const count = Number(process.env.BENCH_OBJECTS ?? 1000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 32);

const owned = !process.env.GITFERRY_TESTBED_STATE;
const bed: TestbedState = owned ? await startTestbed() : readState(process.env.GITFERRY_TESTBED_STATE!);
const kubectl = (...args: string[]) =>
  exec(bed.bin.kubectl, ['--kubeconfig', bed.kubeconfig, ...args], { maxBuffer: 256 << 20 });
const tmp = mkdtempSync(join(tmpdir(), 'gitferry-bench-'));
const stamp = Date.now().toString(36);

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function kubectlRounds(ns: string) {
  await kubectl('create', 'namespace', ns);
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
  const apply = (f: string) => kubectl('apply', '--server-side', '--field-manager=bench-kubectl', '-f', f);
  return {
    coldMs: await timed(() => apply(plain)),
    noopMs: await timed(() => apply(plain)),
    changeMs: await timed(() => apply(changed)),
  };
}

async function rawRounds(ns: string) {
  await kubectl('create', 'namespace', ns);
  const client = new KubeClient(await connectionFromKubeconfig(readKubeconfig(bed.kubeconfig), 'raw'), {
    maxSockets: concurrency,
  });
  const discovery = new Discovery(client);
  const limit = pLimit(concurrency);
  const infos = new Map<string, Awaited<ReturnType<Discovery['resolve']>>>();
  for (const [v, k] of [
    ['v1', 'ConfigMap'],
    ['v1', 'Service'],
    ['apps/v1', 'Deployment'],
  ])
    infos.set(k!, await discovery.resolve(v!, k!));
  const applyAll = (objects: KubeObject[]) =>
    Promise.all(
      objects.map((o) =>
        limit(() =>
          client.request({
            method: 'PATCH',
            path: resourcePath(infos.get(o.kind)!, ns, o.metadata.name),
            query: { fieldManager: 'bench-raw', force: 'true' },
            contentType: 'application/apply-patch+yaml',
            body: o,
          }),
        ),
      ),
    );
  const result = {
    coldMs: await timed(() => applyAll(benchObjects(count, ns))),
    noopMs: await timed(() => applyAll(benchObjects(count, ns))),
    changeMs: await timed(() => applyAll(benchObjects(count, ns, tenChanged))),
  };
  client.close();
  return result;
}

async function engineRounds(ns: string) {
  await kubectl('create', 'namespace', ns);
  const { stdout } = await exec(
    process.execPath,
    [
      '--import',
      'tsx',
      new URL('./engine-sync-child.ts', import.meta.url).pathname,
      bed.kubeconfig,
      ns,
      String(count),
    ],
    {
      maxBuffer: 64 << 20,
    },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!) as {
    coldMs: number;
    noopMs: number;
    changeMs: number;
    peakRssMb: number;
    counts: unknown;
  };
}

try {
  // Warm the apiserver's caches and the machine once, then measure each system in its own namespace.
  await rawRounds(`bench-warmup-${stamp}`);
  const engine = await engineRounds(`bench-engine-${stamp}`);
  const kubectlRes = await kubectlRounds(`bench-kubectl-${stamp}`);
  const raw = await rawRounds(`bench-raw-${stamp}`);
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const r = (a: number, b: number) => (a / b).toFixed(2);
  console.log(
    `\nEngine apply benchmark: ${count} objects (ConfigMaps, Services, Deployments), concurrency ${concurrency}`,
  );
  console.log(`round        gitferry   kubectl SSA   raw PATCH loop   gitferry/kubectl   gitferry/raw`);
  for (const [name, key] of [
    ['cold', 'coldMs'],
    ['no-op', 'noopMs'],
    ['10 changed', 'changeMs'],
  ] as const) {
    console.log(
      `${name.padEnd(12)} ${s(engine[key]).padStart(8)}   ${s(kubectlRes[key]).padStart(11)}   ${s(raw[key]).padStart(14)}   ${r(engine[key], kubectlRes[key]).padStart(16)}×   ${r(engine[key], raw[key]).padStart(11)}×`,
    );
  }
  console.log(
    `throughput (cold): gitferry ${(count / (engine.coldMs / 1000)).toFixed(0)} obj/s, raw loop ${(count / (raw.coldMs / 1000)).toFixed(0)} obj/s → ${r(raw.coldMs, engine.coldMs)}× of raw`,
  );
  console.log(`engine peak RSS for ${count} objects: ${engine.peakRssMb.toFixed(0)} MB`);
  console.log(`engine results: ${JSON.stringify(engine.counts)}`);
  console.log(`goals: cold ≤ 0.5× kubectl, no-op ≤ 0.25× kubectl, throughput ≥ 0.7× raw, peak RSS ≤ 256 MB`);
} finally {
  for (const ns of ['warmup', 'engine', 'kubectl', 'raw'])
    await kubectl('delete', 'namespace', `bench-${ns}-${stamp}`, '--wait=false').catch(() => {});
  rmSync(tmp, { recursive: true, force: true });
  if (owned) await stopTestbed(bed);
}
