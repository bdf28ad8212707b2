import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binPath, testbedHome } from './paths.js';
import { isAlive, logTail, stopProcess, type ManagedProcess } from './supervisor.js';
import { kubeRequest, type KubeAccess } from './kube-request.js';
import { startEtcd } from './components/etcd.js';
import { startKubeControlPlane } from './components/kube.js';
import { startKwok } from './components/kwok.js';
import { startMoto } from './components/moto.js';
import { startGitServer } from './components/git-server.js';
import { startOciRegistry } from './components/oci-registry.js';
import { startChartRepo } from './components/chart-repo.js';

/** Everything a test needs to reach the running test bed; written to <runDir>/testbed.json. */
export interface TestbedState {
  runDir: string;
  dataDir: string;
  kubeconfig: string;
  kube: KubeAccess;
  nodes: string[];
  awsEndpoint: string;
  git: { url: string; repoRoot: string };
  /** An OCI registry (`oci://<host>/…`, plain HTTP, Basic auth with ociRegistryCredentials). */
  oci?: { host: string };
  /** A Helm chart repository serving the files of `dir` at `url`. */
  charts?: { url: string; dir: string };
  bin: { kubectl: string; helm: string; kustomize: string; jsonnet?: string };
  processes: ManagedProcess[];
  startedAt: string;
}

/** The env var through which jest workers and child processes find the running bed. */
export const stateEnvVar = 'GITFERRY_TESTBED_STATE';

const log = (msg: string) => process.stderr.write(`[testbed] ${msg}\n`);

function newRunDirs(): { runDir: string; dataDir: string } {
  const id = `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`;
  const runsRoot = join(testbedHome, 'runs');
  mkdirSync(runsRoot, { recursive: true });
  pruneOldRuns(runsRoot, 5);
  const runDir = join(runsRoot, id);
  // etcd and git data on tmpfs when there is one: faster, and gone on reboot.
  const dataDir = existsSync('/dev/shm') ? join('/dev/shm', `gitferry-testbed-${id}`) : join(runDir, 'data');
  mkdirSync(runDir, { recursive: true });
  mkdirSync(dataDir, { recursive: true });
  return { runDir, dataDir };
}

/** Keeps the logs of the last few runs for debugging; older run directories are removed. */
function pruneOldRuns(runsRoot: string, keep: number): void {
  const runs = readdirSync(runsRoot)
    .map((name) => ({ name, mtime: statSync(join(runsRoot, name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  // A run whose state file is still there is a bed that was never stopped: keep it (its logs, its
  // state) so `testbed:down` or a reader can still find and stop it.
  for (const old of runs.slice(keep)) {
    if (existsSync(join(runsRoot, old.name, 'testbed.json'))) continue;
    rmSync(join(runsRoot, old.name), { recursive: true, force: true });
  }
}

/** Starts the whole bed. On any failure, stops what already started and rethrows the cause. */
/** The values of settled promises, or the first rejection's reason thrown. */
function settledOrThrow<T extends readonly PromiseSettledResult<unknown>[]>(
  results: T,
): { [K in keyof T]: T[K] extends PromiseSettledResult<infer V> ? V : never } {
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as never;
}

export async function startTestbed(): Promise<TestbedState> {
  const started = Date.now();
  const { runDir, dataDir } = newRunDirs();
  const processes: ManagedProcess[] = [];
  const track = <T extends { process: ManagedProcess }>(h: T): T => (processes.push(h.process), h);
  try {
    // Independent pieces start together; the control plane needs etcd first.
    // allSettled, not all: when one piece fails to start, the others may still be starting, and
    // each that did start must be tracked so the catch below stops it (no git server left behind).
    const [etcd, moto, git, oci, charts] = settledOrThrow(
      await Promise.allSettled([
        startEtcd(runDir, dataDir).then(track),
        startMoto(runDir).then(track),
        startGitServer(runDir, dataDir).then(track),
        startOciRegistry(runDir, dataDir).then(track),
        startChartRepo(runDir, dataDir).then(track),
      ] as const),
    );
    const kube = await startKubeControlPlane(runDir, etcd.clientUrl);
    processes.push(...kube.processes);
    const kwok = track(await startKwok(runDir, kube.access, kube.kubeconfig));
    const state: TestbedState = {
      runDir,
      dataDir,
      kubeconfig: kube.kubeconfig,
      kube: kube.access,
      nodes: kwok.nodes,
      awsEndpoint: moto.endpoint,
      git: { url: git.url, repoRoot: git.repoRoot },
      oci: { host: oci.host },
      charts: { url: charts.url, dir: charts.dir },
      bin: {
        kubectl: binPath('kubectl'),
        helm: binPath('helm'),
        kustomize: binPath('kustomize'),
        jsonnet: binPath('jsonnet'),
      },
      processes,
      startedAt: new Date().toISOString(),
    };
    writeFileSync(join(runDir, 'testbed.json'), JSON.stringify(state, null, 2));
    log(`up in ${((Date.now() - started) / 1000).toFixed(1)} s (${runDir})`);
    return state;
  } catch (err) {
    await Promise.all(processes.map((p) => stopProcess(p)));
    rmSync(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    throw err;
  }
}

export function stateFile(state: Pick<TestbedState, 'runDir'>): string {
  return join(state.runDir, 'testbed.json');
}

/** Stops every process by its PID (newest first) and removes the data directory; logs stay. */
export async function stopTestbed(state: TestbedState): Promise<void> {
  for (const p of [...state.processes].reverse()) await stopProcess(p);
  rmSync(state.dataDir, { recursive: true, force: true });
  rmSync(stateFile(state), { force: true });
}

export function readState(file: string): TestbedState {
  return JSON.parse(readFileSync(file, 'utf8')) as TestbedState;
}

/**
 * Problems with a recorded bed: processes that are gone, and endpoints that do not answer. Empty
 * when the bed is fully up.
 */
export async function checkTestbed(state: TestbedState): Promise<string[]> {
  const problems = deadProcesses(state).map(
    (p) => `${p.name} (pid ${p.pid}) is not running; last lines of ${p.logFile}:\n${logTail(p.logFile, 10)}`,
  );
  const probe = async (name: string, fn: () => Promise<boolean>) => {
    try {
      if (!(await fn())) problems.push(`${name} does not answer as expected`);
    } catch (err) {
      problems.push(`${name} does not answer: ${(err as Error).message}`);
    }
  };
  await Promise.all([
    probe(
      `kube-apiserver at ${state.kube.server}`,
      async () => (await kubeRequest(state.kube, 'GET', '/readyz')).status === 200,
    ),
    probe(
      `moto at ${state.awsEndpoint}`,
      async () => (await fetch(`${state.awsEndpoint}/moto-api/`)).status < 500,
    ),
    ...(state.oci
      ? [
          probe(
            `OCI registry at ${state.oci.host}`,
            async () => (await fetch(`http://${state.oci!.host}/v2/`)).status === 401,
          ),
        ]
      : []),
    ...(state.charts
      ? [
          probe(
            `chart repository at ${state.charts.url}`,
            async () => (await fetch(`${state.charts!.url}/none/index.yaml`)).status === 404,
          ),
        ]
      : []),
    probe(
      `git server at ${state.git.url}`,
      async () => (await fetch(`${state.git.url}/none.git/info/refs?service=git-upload-pack`)).status === 404,
    ),
  ]);
  return problems;
}

/** Names the processes of a recorded bed that are no longer running. */
export function deadProcesses(state: TestbedState): ManagedProcess[] {
  return state.processes.filter((p) => !isAlive(p.pid));
}
