// Many apps at once through `gitferry serve --workers 4`: N apps × 4 objects (a Deployment with 0
// replicas, a ServiceAccount, a Service, a ConfigMap — the shape of Flux's own benchmark), each
// app a path of one git repo on the test bed's git server and its own namespace, registered
// through the API with automated sync. Prints the time from the first registration to all apps
// Synced and to all apps Healthy, and serve's peak memory (VmHWM of its process).
// `--baseline kubectl` applies the same namespaces and objects with `kubectl apply --server-side`
// instead (8 processes, one shard of apps each, as 8 registrations are in flight), and waits for
// every Deployment to be observed: the cluster's own cost for this shape with no GitOps tool in
// the way, for comparing serve's time and the cluster CPU it leaves to serve.
// `--unreachable-apps N` first registers a second cluster whose API server never answers (a TCP
// listener here that holds every connection, as a powered-off endpoint behind a load balancer
// does) and N apps on it, queued before the others: what they cost the apps on the healthy cluster.
// Usage: npm run bench:apps [-- --apps 5000] [-- --workers 4] [-- --baseline kubectl]
//   [-- --unreachable-apps 8] [-- --bystanders]
// `--bystanders` registers two more apps right after the N, while their wake-ups are still queued:
// one on a second registration of the same API server (another cluster, as the queue sees it) and
// one on the bench's cluster, and prints how long each took to be Synced: whether a cluster's
// backlog holds another cluster's app (fair delivery: it should not) and how long it holds its own.
//   (starts the test bed unless GITFERRY_TESTBED_STATE is set)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo, Socket } from 'node:net';
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
import { freePort } from '../test/testbed/free-port.js';
import type { DriftPass } from './drift-pass-child.js';
import { lambdaHeapFlags } from './lambda-heap.js';
import { requestCounts, requestsPerApp } from './apiserver-requests.js';
import { defaultGitferryDeployerProps } from '../infra/gitferry-deployer.js';

const { values: flags } = parseArgs({
  options: {
    apps: { type: 'string', default: '1000' },
    workers: { type: 'string', default: '4' },
    'timeout-seconds': { type: 'string', default: '1800' },
    baseline: { type: 'string' },
    'unreachable-apps': { type: 'string', default: '0' },
    bystanders: { type: 'boolean', default: false },
    // The drift function's memory (MB) whose heap the drift pass gets; default: the CDK construct's.
    'drift-memory': { type: 'string' },
  },
});
if (flags.baseline !== undefined && flags.baseline !== 'kubectl') {
  console.error(`--baseline takes only "kubectl", not ${JSON.stringify(flags.baseline)}`);
  process.exit(2);
}
const apps = Number(flags.apps);
const unreachableApps = Number(flags['unreachable-apps']);
const workers = Number(flags.workers);
const timeoutMs = Number(flags['timeout-seconds']) * 1000;
const driftMemoryMb = Number(flags['drift-memory'] ?? defaultGitferryDeployerProps.memory.drift);
lambdaHeapFlags(driftMemoryMb); // a wrong --drift-memory stops here, not after the apps are synced

const owned = !process.env[stateEnvVar];
const bed: TestbedState = owned ? await startTestbed() : readState(process.env[stateEnvVar]!);
process.env[stateEnvVar] = stateFile(bed);
const { TestRepo } = await import('../test/support/git.js');
const { kubectl, uniqueName } = await import('../test/support/testbed.js');
const { startServe } = await import('../test/support/serve.js');

const run = uniqueName('ta');
const nsOf = (i: number) => `${run}-${String(i).padStart(5, '0')}`;
/**
 * After a run: a bed this bench started is stopped with everything on it. On a shared bed, the
 * apps' namespaces (and `extra` ones) are deleted in batches without waiting: deleting thousands
 * keeps its apiserver busy for minutes, which is why a bench on its own bed skips it.
 */
async function cleanUp(...extra: string[]): Promise<void> {
  if (owned) return stopTestbed(bed);
  for (let i = 0; i < apps; i += 200) {
    const names = Array.from({ length: Math.min(200, apps - i) }, (_, k) => nsOf(i + k));
    await kubectl(['delete', 'namespace', '--wait=false', '--ignore-not-found', ...names]).catch(() => {});
  }
  if (extra.length > 0)
    await kubectl(['delete', 'namespace', '--wait=false', '--ignore-not-found', ...extra]).catch(() => {});
}
const appOf = (i: number) => `${run}-${String(i).padStart(5, '0')}`;

/** One app's four objects (namespace-less: the app's destination namespace applies). */
function appFiles(i: number): string {
  const name = `app-${i}`;
  return [
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: ${name} }\nspec:\n  replicas: 0\n  selector: { matchLabels: { app: ${name} } }\n  template:\n    metadata: { labels: { app: ${name} } }\n    spec: { containers: [ { name: app, image: "registry.invalid/app:1" } ] }\n`,
    `apiVersion: v1\nkind: ServiceAccount\nmetadata: { name: ${name} }\n`,
    `apiVersion: v1\nkind: Service\nmetadata: { name: ${name} }\nspec:\n  selector: { app: ${name} }\n  ports: [ { port: 80, targetPort: 8080 } ]\n`,
    `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name} }\ndata: { index: "${i}" }\n`,
  ].join('---\n');
}

/** CPU seconds (user + system) a process has used so far. */
const cpuSeconds = (pid: number): number => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks
  } catch {
    return 0;
  }
};
/** serve and the bed's processes, for where the CPU went. */
const cpuOf = (servePid: number) => ({
  serve: cpuSeconds(servePid),
  ...Object.fromEntries(bed.processes.map((p) => [p.name, cpuSeconds(p.pid)])),
});

const vm = (pid: number, field: 'VmHWM' | 'VmRSS') =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) /
  1024;

/**
 * The same namespaces and objects through `kubectl apply --server-side`, 8 shards at once; done
 * when every Deployment's status has caught up with its generation. Prints time and the CPU of
 * the cluster's processes and of the kubectl processes; exits.
 */
async function kubectlBaseline(): Promise<never> {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const execAsync = promisify(execFile);
  const dir = mkdtempSync(join(tmpdir(), 'gitferry-bench-apps-kubectl-'));
  const label = `gitferry-bench=${run}`;
  const shards = 8;
  const childCpu = () => {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100; // cutime, cstime: reaped children
  };
  const files: string[] = [];
  for (let k = 0; k < shards; k++) {
    const docs: string[] = [];
    for (let i = k; i < apps; i += shards) {
      docs.push(
        `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${nsOf(i)}, labels: { gitferry-bench: ${run} } }\n`,
      );
      for (const doc of appFiles(i).split('---\n'))
        docs.push(
          doc.replace(
            /metadata: \{ name: ([^ ]+) \}/,
            `metadata: { name: $1, namespace: ${nsOf(i)}, labels: { gitferry-bench: ${run} } }`,
          ),
        );
    }
    files.push(join(dir, `shard-${k}.yaml`));
    writeFileSync(files.at(-1)!, docs.join('---\n'));
  }
  const cluster = () => Object.fromEntries(bed.processes.map((p) => [p.name, cpuSeconds(p.pid)]));
  const before = { ...cluster(), kubectl: childCpu() };
  const started = performance.now();
  const kube = (args: string[]) =>
    execAsync(bed.bin.kubectl, ['--kubeconfig', bed.kubeconfig, ...args], { maxBuffer: 256 << 20 });
  // Namespaces first within each file: kubectl applies a file's namespaces before the rest.
  await Promise.all(files.map((f) => kube(['apply', '--server-side', '--field-manager', 'bench', '-f', f])));
  const applied = (performance.now() - started) / 1000;
  for (;;) {
    const { stdout } = await kube([
      'get',
      'deployments',
      '-A',
      '-l',
      label,
      '-o',
      'jsonpath={range .items[*]}{.metadata.generation} {.status.observedGeneration}{"\\n"}{end}',
    ]);
    const lines = stdout.trim().split('\n').filter(Boolean);
    if (lines.length === apps && lines.every((l) => l.split(' ')[0] === l.split(' ')[1])) break;
    if (performance.now() - started > timeoutMs) throw new Error(`not observed after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  const observed = (performance.now() - started) / 1000;
  const after = { ...cluster(), kubectl: childCpu() };
  const used = Object.entries(after)
    .map(([n, v]) => [n, v - (before[n as keyof typeof before] ?? 0)] as const)
    .filter(([, v]) => v >= 0.5)
    .sort((a, b) => b[1] - a[1]);
  const total = used.reduce((sum, [, v]) => sum + v, 0);
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(
    `${apps} apps × 4 objects and a namespace each, kubectl apply --server-side in ${shards} processes (load average at the end: ${load})`,
  );
  console.log(`  all applied                    ${applied.toFixed(1)} s`);
  console.log(`  every Deployment observed      ${observed.toFixed(1)} s`);
  console.log(
    `  CPU to observed                ${total.toFixed(0)} s (${((total / apps) * 1000).toFixed(0)} ms per app): ${used.map(([n, v]) => `${n} ${v.toFixed(1)}`).join(', ')}`,
  );
  rmSync(dir, { recursive: true, force: true });
  await cleanUp();
  process.exit(0);
}
if (flags.baseline === 'kubectl') await kubectlBaseline();

const repo = await TestRepo.create('bench-apps');
const files: Record<string, string> = {};
for (let i = 0; i < apps; i++) files[`apps/${i}/all.yaml`] = appFiles(i);
await repo.commit(files, `${apps} apps`);

const dataDir = mkdtempSync(join(tmpdir(), 'gitferry-bench-apps-'));
const server = await startServe({
  port: await freePort(),
  dataDir,
  cluster: true,
  // The bench's monorepo holds a directory and a file per app: past 10,000 apps that is more than
  // a checkout's default budget, which the operator raises as they would for such a repository.
  args: [
    '--workers',
    String(workers),
    ...(apps * 2 + 3 > 20_000 ? ['--repo-max-files', String(apps * 2 + 100)] : []),
  ],
  // e.g. BENCH_SERVE_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile serve alone.
  nodeArgs: process.env.BENCH_SERVE_NODE_ARGS?.split(' ').filter(Boolean),
});
const pid = server.child.pid!;
const token = readFileSync(join(dataDir, 'api-token'), 'utf8').trim();
const api = async (method: string, path: string, body?: string, type = 'application/json') => {
  const res = await fetch(`${server.url}${path}`, {
    method,
    body,
    headers: { authorization: `Bearer ${token}`, 'content-type': type },
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<Record<string, unknown>>;
};

/**
 * One drift pass (shared/control/drift-check.ts) over every app serve has synced, in a process of
 * its own (bench/drift-pass-child.ts, bundled with esbuild as the drift function is) that gets the
 * heap AWS's Node.js runtime gives the drift function (its memory as the CDK construct configures
 * it, or `--drift-memory`): its peak memory is the pass's, and a pass that outgrows the function
 * fails here as it would there.
 */
async function measureDriftPass() {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const { build } = await import('esbuild');
  const bundle = join(
    import.meta.dirname,
    '..',
    'node_modules',
    '.cache',
    'gitferry-bench',
    'drift-pass.mjs',
  );
  await build({
    entryPoints: [join(import.meta.dirname, 'drift-pass-child.ts')],
    outfile: bundle,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minify: true,
    // Native; resolved from the repository's node_modules, above the bundle.
    external: ['better-sqlite3'],
    banner: {
      js: "import { createRequire as __gfCreateRequire } from 'node:module'; const require = __gfCreateRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [...lambdaHeapFlags(driftMemoryMb), bundle, dataDir, run],
    { env: process.env, maxBuffer: 16 << 20 },
  ).catch((err: Error & { stderr?: string }) => {
    const oom = /heap out of memory|Allocation failed/.test(err.stderr ?? '');
    throw new Error(
      oom
        ? `the drift pass ran out of the ${driftMemoryMb} MB drift function's heap (${lambdaHeapFlags(driftMemoryMb).join(' ')})`
        : `the drift pass failed: ${err.stderr || err.message}`,
    );
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Required<DriftPass>;
}
/**
 * A cluster whose API server never answers (a listener that holds every connection) and
 * `unreachableApps` apps on it, registered and so queued before the bench's own apps.
 */
async function registerUnreachable() {
  const { createServer } = await import('node:net');
  let connections = 0;
  const held = new Set<Socket>();
  const listener = createServer((socket) => {
    connections++;
    held.add(socket);
    socket.on('close', () => held.delete(socket));
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const port = (listener.address() as AddressInfo).port;
  const cluster = `${run}-gone`;
  await api(
    'POST',
    '/api/v1/clusters',
    JSON.stringify({
      name: cluster,
      server: `https://127.0.0.1:${port}`,
      caData: readFileSync(bed.kube.caFile).toString('base64'),
      token: 'never-used-token-of-an-unreachable-cluster',
    }),
  );
  const names = Array.from({ length: unreachableApps }, (_, i) => `gone-${run}-${i}`);
  for (const [i, name] of names.entries())
    await api(
      'POST',
      '/api/v1/apps',
      `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: { name: ${name} }\nspec:\n  project: default\n  source: { repoURL: ${repo.url}, targetRevision: main, path: apps/${i % apps} }\n  destination: { name: ${cluster}, namespace: ${name} }\n  syncPolicy: { automated: { prune: true }, syncOptions: [CreateNamespace=true] }\n`,
      'application/yaml',
    );
  return {
    connections: () => connections,
    names,
    close: () => {
      for (const socket of held) socket.destroy();
      listener.close();
    },
  };
}

/**
 * Two apps registered behind the bench's backlog: `other` on a second registration of the same API
 * server (its own cluster to the queue), `same` on the bench's cluster. Resolves with the seconds
 * from each one's registration to Synced.
 */
async function bystanders(): Promise<{ names: string[]; synced: Promise<Record<'other' | 'same', number>> }> {
  const cluster = `other-${run}`;
  await api(
    'POST',
    '/api/v1/clusters',
    JSON.stringify({
      name: cluster,
      server: bed.kube.server,
      caData: readFileSync(bed.kube.caFile).toString('base64'),
      token: bed.kube.token,
    }),
  );
  const which = { other: cluster, same: 'testbed' } as const;
  const names = { other: `other-${run}`, same: `same-${run}` };
  /** Registers one; its promise resolves with the seconds from registration to Synced. */
  const register = async (k: 'other' | 'same', i: number): Promise<{ synced: Promise<number> }> => {
    const at = performance.now();
    await api(
      'POST',
      '/api/v1/apps',
      `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: { name: ${names[k]} }\nspec:\n  project: default\n  source: { repoURL: ${repo.url}, targetRevision: main, path: apps/${i} }\n  destination: { name: ${which[k]}, namespace: ${names[k]} }\n  syncPolicy: { automated: { prune: true }, syncOptions: [CreateNamespace=true] }\n`,
      'application/yaml',
    );
    const poll = async (): Promise<number> => {
      for (;;) {
        const view = (await api('GET', `/api/v1/apps/${names[k]}`)) as {
          status?: { sync?: { status?: string } };
        };
        if (view.status?.sync?.status === 'Synced') return (performance.now() - at) / 1000;
        if (performance.now() - at > timeoutMs) throw new Error(`${names[k]} not Synced in time`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    return { synced: poll() };
  };
  const other = await register('other', 0);
  const same = await register('same', 1);
  return {
    names: Object.values(names),
    synced: Promise.all([other.synced, same.synced]).then(([o, s]) => ({ other: o, same: s })),
  };
}

const driftPassFile = join(tmpdir(), 'gitferry-drift-pass.json');

let exitCode = 0;
try {
  const idleRss = vm(pid, 'VmRSS');
  const cpuBefore = cpuOf(pid);
  const requestsBefore = requestCounts(await kubectl(['get', '--raw', '/metrics']));
  const started = performance.now();
  const at = () => (performance.now() - started) / 1000;
  const unreachable = unreachableApps > 0 ? await registerUnreachable() : undefined;
  // Registration: 8 requests in flight, as a script or a UI import would send them.
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = next++; i < apps; i = next++) {
        await api(
          'POST',
          '/api/v1/apps',
          `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: { name: ${appOf(i)} }\nspec:\n  project: default\n  source: { repoURL: ${repo.url}, targetRevision: main, path: apps/${i} }\n  destination: { name: testbed, namespace: ${nsOf(i)} }\n  syncPolicy: { automated: { prune: true }, syncOptions: [CreateNamespace=true] }\n`,
          'application/yaml',
        );
      }
    }),
  );
  const registered = at();
  const bystanding = flags.bystanders ? await bystanders() : undefined;
  let allSynced: number | undefined;
  let allHealthy: number | undefined;
  let peakRss = 0;
  let last = '';
  while (allHealthy === undefined || allSynced === undefined) {
    if (performance.now() - started > timeoutMs)
      throw new Error(`not done after ${timeoutMs / 1000} s: ${last}`);
    peakRss = Math.max(peakRss, vm(pid, 'VmRSS'));
    let synced = 0;
    let healthy = 0;
    const health: Record<string, number> = {};
    let cursor: string | undefined;
    do {
      const page = (await api(
        'GET',
        `/api/v1/apps?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      )) as { items: { name: string; sync: string; health: string }[]; next?: string };
      for (const a of page.items) {
        if (!a.name.startsWith(run)) continue;
        if (a.sync === 'Synced') synced++;
        if (a.health === 'Healthy') healthy++;
        health[a.health] = (health[a.health] ?? 0) + 1;
      }
      cursor = page.next;
    } while (cursor);
    last = `${synced} Synced, health ${JSON.stringify(health)} at ${at().toFixed(0)} s, serve ${vm(pid, 'VmRSS').toFixed(0)} MB`;
    if (allSynced === undefined && synced === apps) allSynced = at();
    if (allHealthy === undefined && healthy === apps) allHealthy = at();
    if (process.env.BENCH_VERBOSE) console.error(last);
    await new Promise((r) => setTimeout(r, 1000));
  }
  const cpuAfter = cpuOf(pid);
  const requestsAfter = requestCounts(await kubectl(['get', '--raw', '/metrics']));
  const hwm = vm(pid, 'VmHWM');
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(
    `${apps} apps × 4 objects, gitferry serve --workers ${workers} (load average at the end: ${load})`,
  );
  console.log(`  registered (API, 8 in flight)  ${registered.toFixed(1)} s`);
  console.log(`  all Synced                     ${allSynced.toFixed(1)} s`);
  console.log(`  all Healthy                    ${allHealthy.toFixed(1)} s`);
  console.log(
    `  serve peak memory (VmHWM)      ${hwm.toFixed(0)} MB (idle before: ${idleRss.toFixed(0)} MB)`,
  );
  console.log(`  apps per second to Healthy     ${(apps / allHealthy).toFixed(1)}`);
  // Where the CPU went from the first registration to all Healthy (2 cores: 2 s of CPU per second).
  const used = Object.entries(cpuAfter)
    .map(([name, after]) => [name, after - (cpuBefore[name as keyof typeof cpuBefore] ?? 0)] as const)
    .filter(([, s]) => s >= 0.5)
    .sort((a, b) => b[1] - a[1]);
  const total = used.reduce((sum, [, s]) => sum + s, 0);
  console.log(
    `  CPU to Healthy                 ${total.toFixed(0)} s (${((total / apps) * 1000).toFixed(0)} ms per app): ${used.map(([n, s]) => `${n} ${s.toFixed(1)}`).join(', ')}`,
  );
  // What the apiserver served meanwhile, the controllers' requests included.
  const served = requestsPerApp(requestsBefore, requestsAfter, apps);
  console.log(
    `  apiserver requests per app     ${served.total.toFixed(1)}: ${served.rows.map(([k, n]) => `${k} ${n.toFixed(2)}`).join(', ')}`,
  );
  // What the workers did: wake-ups handled, by outcome (from serve's log lines).
  const outcomes: Record<string, number> = {};
  for (const m of server.log
    .join('')
    .matchAll(/"message":"wake-up handled","app":"[^"]*","reason":"([a-z-]+)","outcome":"([a-z-]+)"/g))
    outcomes[`${m[1]}→${m[2]}`] = (outcomes[`${m[1]}→${m[2]}`] ?? 0) + 1;
  console.log(`  wake-ups (reason→outcome)      ${JSON.stringify(outcomes)}`);
  // serve's own drift ticks meanwhile (every 3 minutes): what each woke apps for.
  const ticks = server.log
    .join('')
    .split('\n')
    .filter((line) => line.includes('"message":"drift checked"'))
    .map((line) => JSON.parse(line) as { apps: number; busy: number; findings: Record<string, number> });
  if (ticks.length > 0)
    console.log(
      `  serve's drift ticks meanwhile   ${ticks.map((t) => `${t.apps} apps, ${t.busy} busy, woken ${JSON.stringify(t.findings)}`).join('; ')}`,
    );
  if (bystanding) {
    const t = await bystanding.synced;
    console.log(
      `  an app on another cluster, registered after the ${apps}: Synced in ${t.other.toFixed(1)} s; one on the same cluster: ${t.same.toFixed(1)} s`,
    );
  }
  if (unreachable) {
    const status = (await api('GET', `/api/v1/apps/${unreachable.names[0]}`)) as {
      status?: { operation?: { message?: string }; conditions?: { message?: string }[] };
    };
    const said =
      status.status?.operation?.message ?? status.status?.conditions?.[0]?.message ?? '(nothing yet)';
    console.log(
      `  ${unreachableApps} apps on an unreachable cluster, queued first: ${unreachable.connections()} connections to it; one says: ${said}`,
    );
    unreachable.close();
  }
  const drift = await measureDriftPass();
  console.log(
    `  one drift pass, ${apps} unchanged apps  ${drift.seconds.toFixed(2)} s: ${drift.lists} LISTs, ${drift.gets} GETs of objects, ${drift.lsRemotes} ls-remote, 0 renders and clones (the drift check has no renderer), ${drift.woken} wake-ups, ${drift.unchanged} unchanged; store: ${drift.storeReads ? `${drift.storeReads.views} drift view queries, ${drift.storeReads.statuses} status and ${drift.storeReads.inventories} inventory reads` : '—'}`,
  );
  console.log(
    `  the drift pass's process         peak ${drift.peakRssMb.toFixed(0)} MB of the drift function's ${driftMemoryMb} MB (VmHWM; ${drift.rssBeforeMb.toFixed(0)} MB before the pass; bundled, heap as Lambda sizes it: ${lambdaHeapFlags(driftMemoryMb).join(' ')})`,
  );
  writeFileSync(
    driftPassFile,
    `${JSON.stringify({ apps, ...drift, load, measuredAt: new Date().toISOString() }, null, 2)}\n`,
  );
  console.log(`  (written to ${driftPassFile}: npm run cost uses it)`);
} catch (err) {
  console.error((err as Error).message);
  console.error(server.log.join('').split('\n').slice(-20).join('\n'));
  exitCode = 1;
} finally {
  server.child.kill('SIGTERM');
  await new Promise((r) => server.child.once('exit', r));
  repo.dispose();
  rmSync(dataDir, { recursive: true, force: true });
  await cleanUp(`other-${run}`, `same-${run}`);
}
process.exit(exitCode);
