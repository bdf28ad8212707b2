// kube-apiserver or etcd SIGKILLed mid-apply and restarted, on a PRIVATE control plane
// (its own etcd and apiserver on other ports, started here and stopped after): the shared test
// bed stays untouched. The interrupted sync fails and says why; after the restart the retry
// converges on the newest revision with one run, nothing locked and nothing in progress.
// With etcd killed the apiserver holds each request without answering: the worker's cluster
// requests end before its lease does (withRequestDeadline), so the failure is recorded under the
// lease, naming the request that got no answer, instead of the step outliving its lease.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../shared/adapters/local/sqlite-database.js';
import { SqliteStateStore } from '../../shared/adapters/local/sqlite-state-store.js';
import { ClusterConnectorRouter } from '../../shared/adapters/cluster/cluster-connector-router.js';
import { TokenClusterConnector } from '../../shared/adapters/cluster/token-cluster-connector.js';
import { WakeUpHandler, type WakeUpOutcome } from '../../shared/control/wake-up.js';
import type { SyncJob } from '../../shared/domain/sync-job.js';
import { defaultClusterBreakerOptions } from '../../shared/engine/cluster-breaker.js';
import { KubeClient, type KubeRequest } from '../../shared/engine/kube-client.js';
import { silentLogger } from '../../shared/ports/logger.js';
import { startEtcd } from '../testbed/components/etcd.js';
import { startKubeApiserver } from '../testbed/components/kube.js';
import { kubeRequest, type KubeAccess } from '../testbed/kube-request.js';
import { startProcess, stopProcess, waitReady, type ManagedProcess } from '../testbed/supervisor.js';
import { TestRepo } from '../support/git.js';
import { sourceKit, testbedGuard, type SourceKit } from '../support/source.js';
import { uniqueName } from '../support/testbed.js';

// One object per sync wave: the kill after the first wave's apply always lands before the next
// wave's request (objects of one wave are applied at once and may all be done before the kill).
const configMaps = (value: string) =>
  Object.fromEntries(
    ['a', 'b', 'c', 'd'].map((n, wave) => [
      `app/${n}.yaml`,
      `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${n}, annotations: { argocd.argoproj.io/sync-wave: "${wave}" } }\ndata: { value: "${value}" }\n`,
    ]),
  );

/** The command line a running process was started with. */
function commandLine(proc: ManagedProcess): string[] {
  return readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
}

/** Starts a (killed) process again with the very same command line, and waits until it is ready. */
async function restart(
  proc: ManagedProcess,
  argv: string[],
  ready: () => Promise<boolean>,
): Promise<ManagedProcess> {
  await stopProcess(proc, 0);
  await new Promise((r) => setTimeout(r, 1_000));
  const again = startProcess({
    name: proc.name,
    command: argv[0]!,
    args: argv.slice(1),
    logFile: proc.logFile,
  });
  await waitReady(again, 'ready after restart', ready, 120_000);
  return again;
}

describe('a private control plane killed mid-apply', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gitferry-private-cp-'));
  const processes: ManagedProcess[] = [];
  const db = openDatabase(join(dir, 'gitferry.db'));
  const store = new SqliteStateStore(db);
  let access: KubeAccess;
  let kit: SourceKit;
  let handler: WakeUpHandler;
  const sent: SyncJob[] = [];
  let onApplied: ((req: KubeRequest) => void) | undefined;
  const original = KubeClient.prototype.request;
  const argvOf = new Map<string, string[]>();

  beforeAll(async () => {
    mkdirSync(join(dir, 'data'));
    const etcd = await startEtcd(dir, join(dir, 'data'));
    processes.push(etcd.process);
    // The apiserver alone: ConfigMaps need no controller-manager or scheduler.
    const kube = await startKubeApiserver(dir, etcd.clientUrl);
    processes.push(kube.process);
    for (const p of processes) argvOf.set(p.name, commandLine(p));
    access = kube.access;
    await store.putCluster({
      name: 'private',
      type: 'kubeconfig',
      server: access.server,
      caData: readFileSync(access.caFile).toString('base64'),
      tokenSecret: 'clusters/private/token',
    });
    KubeClient.prototype.request = async function (this: KubeClient, req: KubeRequest) {
      const res = await original.call(this, req);
      if (req.method === 'PATCH' && !req.query?.dryRun) onApplied?.(req);
      return res;
    } as typeof original;
    kit = sourceKit();
    handler = new WakeUpHandler({
      store,
      queue: { send: async (job) => void sent.push(job) },
      connector: new ClusterConnectorRouter({
        kubeconfig: new TokenClusterConnector(
          { get: async () => access.token },
          { secretPrefix: 'clusters/', server: { guard: { allowedHosts: ['127.0.0.1/32'] } } },
        ),
      }),
      renderer: kit.renderer,
      credentials: async () => undefined,
      clock: { now: Date.now },
      log: silentLogger,
      holder: 'worker',
      options: { guard: testbedGuard, leaseTtlMs: 30_000 },
    });
  }, 300_000);
  afterAll(async () => {
    KubeClient.prototype.request = original;
    for (const p of [...processes].reverse()) await stopProcess(p);
    db.close();
    kit?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  async function chain(first: SyncJob): Promise<WakeUpOutcome[]> {
    const outcomes: WakeUpOutcome[] = [];
    let job: SyncJob | undefined = first;
    for (let i = 0; job && i < 30; i++) {
      const before = sent.length;
      outcomes.push(await handler.handle(job));
      job = sent.slice(before).find((j) => j.app === first.app && j.reason !== 'health');
    }
    return outcomes;
  }

  const apiserverReady = async () => (await kubeRequest(access, 'GET', '/readyz')).status === 200;
  test.each([
    ['kube-apiserver', apiserverReady, /ECONNREFUSED|connect|socket hang up/i],
    // Ready again once the apiserver reads and writes through the restarted etcd.
    ['etcd', apiserverReady, /deadline passed while retrying|etcd|timeout|Timeout/i],
  ] as const)(
    '%s killed after the first object is applied: the run fails saying why, and the retry after the restart converges',
    async (component, ready, why) => {
      const repo = await TestRepo.create('killed-cp');
      const app = uniqueName('private');
      const ns = uniqueName('e2e-private');
      try {
        await store.putApp({
          name: app,
          project: 'default',
          sources: [{ repoURL: repo.url, path: 'app', targetRevision: 'main' }],
          destination: { name: 'private', namespace: ns },
          syncPolicy: {
            automated: { prune: true },
            syncOptions: ['CreateNamespace=true'],
            retry: { limit: 3 },
          },
          ignoreDifferences: [],
          revisionHistoryLimit: 10,
          annotations: {},
        });
        const sha = await repo.commit(configMaps('1'), 'v1');
        const job: SyncJob = { app, reason: 'webhook', revision: sha, requestedAt: Date.now() };
        await store.requestSync(app, { reason: 'webhook', revision: sha, requestedAt: job.requestedAt });
        let killed: Promise<void> | undefined;
        onApplied = (req) => {
          if (killed || !req.path.includes('/configmaps/')) return;
          const at = processes.findIndex((p) => p.name === component);
          const proc = processes[at]!;
          // Killed now; restarted only once the failed attempt is recorded (below).
          process.kill(proc.pid, 'SIGKILL');
          killed = Promise.resolve();
        };
        const first = await handler.handle(job);
        onApplied = undefined;
        expect({ first, killed: killed !== undefined }).toEqual({ first: 'finished', killed: true });
        expect(first).toBe('finished');
        const failed = await store.listRuns(app, 10);
        expect(failed.map((r) => r.phase)).toEqual(['Failed']);
        expect(failed[0]!.message).toMatch(why);
        // While the component is down, the status says the sync failed and why (a retry is due),
        // and no lease is left behind: the step ended inside its lease.
        const down = await store.getStatus(app);
        expect(down?.operation).toMatchObject({ phase: 'Failed' });
        expect(down?.operation?.message).toMatch(why);
        const held = await store.acquireLease(app, 'checker', 1_000, Date.now());
        expect(held).toBeDefined();
        await store.releaseLease(held!);

        const at = processes.findIndex((p) => p.name === component);
        processes[at] = await restart(processes[at]!, argvOf.get(component)!, ready);
        const retry = sent.filter((j) => j.app === app && j.reason === 'retry').at(-1);
        expect(retry).toBeDefined();
        // The retry is due seconds after the failure; run at once, it would find this cluster's
        // breaker still open (cluster-breaker.ts: not sent until its window has passed).
        await new Promise((r) => setTimeout(r, defaultClusterBreakerOptions.openMs));
        await chain(retry!);
        expect((await store.getStatus(app))?.sync).toMatchObject({ status: 'Synced', revision: sha });
        expect((await store.listRuns(app, 10)).map((r) => [r.revision, r.phase])).toEqual([
          [sha, 'Succeeded'],
        ]);
        expect(await store.getOperation(app)).toBeUndefined();
        const lease = await store.acquireLease(app, 'checker', 1_000, Date.now());
        expect(lease).toBeDefined();
        await store.releaseLease(lease!);
        const live = await kubeRequest(access, 'GET', `/api/v1/namespaces/${ns}/configmaps`);
        expect(
          (JSON.parse(live.body) as { items: { metadata: { name: string } }[] }).items
            .map((i) => i.metadata.name)
            .filter((n) => n.length === 1)
            .sort(),
        ).toEqual(['a', 'b', 'c', 'd']);
      } finally {
        repo.dispose();
      }
    },
    300_000,
  );
});
