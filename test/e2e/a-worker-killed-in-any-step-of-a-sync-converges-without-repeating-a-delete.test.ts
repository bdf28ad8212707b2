// The worker process is SIGKILLed in each step of a sync (the fetch, the render, the apply of
// wave 0 and of wave 1, the prune, the record), a real process death: its lease is never released
// and nothing after the kill runs. Another worker then takes the app over once the dead lease
// expires. In every case: the newest revision is deployed, history holds one run per revision,
// the pruned object was deleted once, no lease or operation is left behind, and the status says
// Synced and Succeeded. (Generalises a-worker-killed-after-apply-converges-on-redelivery.)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../../shared/adapters/local/sqlite-database.js';
import { SqliteStateStore } from '../../shared/adapters/local/sqlite-state-store.js';
import { ClusterConnectorRouter } from '../../shared/adapters/cluster/cluster-connector-router.js';
import { TokenClusterConnector } from '../../shared/adapters/cluster/token-cluster-connector.js';
import { WakeUpHandler, type WakeUpOutcome } from '../../shared/control/wake-up.js';
import type { SyncJob } from '../../shared/domain/sync-job.js';
import { silentLogger } from '../../shared/ports/logger.js';
import { TestRepo } from '../support/git.js';
import { watchCluster } from '../support/doomed-worker.js';
import { sourceKit, testbedGuard, type SourceKit } from '../support/source.js';
import { kubectl, testbed, uniqueName } from '../support/testbed.js';

const doomedWorker = fileURLToPath(new URL('../support/doomed-worker.ts', import.meta.url));
const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

const configMap = (name: string, value: string, wave = 0) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  annotations: { argocd.argoproj.io/sync-wave: "${wave}" }\ndata: { value: "${value}" }\n`;
// v1: a, b (wave 0), c (wave 1). v2: a and c change, b is gone (pruned), d is new (wave 1).
const v1 = {
  'app/a.yaml': configMap('a', '1'),
  'app/b.yaml': configMap('b', '1'),
  'app/c.yaml': configMap('c', '1', 1),
};
const v2 = {
  'app/a.yaml': configMap('a', '2'),
  'app/c.yaml': configMap('c', '2', 1),
  'app/d.yaml': configMap('d', '2', 1),
};

interface ClusterWrite {
  pid?: number;
  method?: string;
  path?: string;
  dryRun?: string;
  status?: number;
  killed?: string;
  survived?: string;
}

describe('a worker killed in any step of a sync', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gitferry-doomed-'));
  const dbFile = join(dir, 'gitferry.db');
  const log = join(dir, 'cluster-writes.jsonl');
  const db = openDatabase(dbFile);
  const store = new SqliteStateStore(db);
  const namespaces: string[] = [];
  let kit: SourceKit;
  let survivor: WakeUpHandler;

  beforeAll(async () => {
    const bed = testbed();
    writeFileSync(log, '');
    await store.putCluster({
      name: 'testbed',
      type: 'kubeconfig',
      server: bed.kube.server,
      caData: readFileSync(bed.kube.caFile).toString('base64'),
      tokenSecret: 'clusters/testbed/token',
    });
    // What this process does to the cluster is logged beside what the doomed one did.
    watchCluster(log);
    kit = sourceKit();
    survivor = new WakeUpHandler({
      store,
      queue: { send: async (job) => void sent.push(job) },
      connector: new ClusterConnectorRouter({
        kubeconfig: new TokenClusterConnector(
          { get: async () => bed.kube.token },
          { secretPrefix: 'clusters/', server: { guard: testbedGuard } },
        ),
      }),
      renderer: kit.renderer,
      credentials: async () => undefined,
      clock: { now: Date.now },
      log: silentLogger,
      holder: 'survivor',
      options: { guard: testbedGuard, leaseTtlMs: 4_000, backoffSeconds: [0] },
    });
  });
  afterAll(async () => {
    db.close();
    kit.dispose();
    rmSync(dir, { recursive: true, force: true });
    for (const ns of namespaces)
      await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
  });

  const sent: SyncJob[] = [];
  /**
   * The chain of wake-ups the survivor takes: a held lease is tried again until it expires, and
   * so is a step whose lease ran out under it (a slow machine), as a redelivery would.
   */
  async function converge(first: SyncJob): Promise<WakeUpOutcome[]> {
    const outcomes: WakeUpOutcome[] = [];
    let job: SyncJob | undefined = first;
    const deadline = Date.now() + 90_000;
    while (job && Date.now() < deadline) {
      const before = sent.length;
      const outcome = await survivor.handle(job);
      outcomes.push(outcome);
      if (outcome === 'busy' || outcome === 'lease-lost') await new Promise((r) => setTimeout(r, 500));
      else job = sent.slice(before).find((j) => j.app === first.app);
    }
    return outcomes;
  }

  function runDoomed(app: string, killAt: string, job: SyncJob): Promise<NodeJS.Signals | number | null> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', doomedWorker, dbFile, app, killAt, log], {
        cwd: projectRoot,
        stdio: ['pipe', 'inherit', 'inherit'],
      });
      child.on('error', reject);
      child.on('exit', (code, signal) => resolve(signal ?? code));
      child.stdin.end(JSON.stringify(job));
    });
  }

  const writes = () =>
    readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as ClusterWrite);

  test.each(['fetch', 'render', 'apply:a', 'apply:c', 'prune', 'record'])(
    'killed at %s: the newest revision is deployed, one run per revision, b deleted once, nothing left locked',
    async (killAt) => {
      const repo = await TestRepo.create('doomed');
      const app = uniqueName('doomed');
      const ns = uniqueName('e2e-doomed');
      namespaces.push(ns);
      try {
        await store.putApp({
          name: app,
          project: 'default',
          sources: [{ repoURL: repo.url, path: 'app', targetRevision: 'main' }],
          destination: { name: 'testbed', namespace: ns },
          syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
          ignoreDifferences: [],
          revisionHistoryLimit: 10,
          annotations: {},
        });
        const first = await repo.commit(v1, 'v1');
        const push = async (revision: string): Promise<SyncJob> => {
          const job: SyncJob = { app, reason: 'webhook', revision, requestedAt: Date.now() };
          await store.requestSync(app, { reason: 'webhook', revision, requestedAt: job.requestedAt });
          return job;
        };
        const warmUp = await converge(await push(first));
        expect({ warmUp, sync: (await store.getStatus(app))?.sync }).toMatchObject({
          sync: { status: 'Synced', revision: first },
        });

        await repo.git('rm', '-q', 'app/b.yaml');
        const second = await repo.commit(v2, 'v2');
        const job = await push(second);
        const ended = await runDoomed(app, killAt, job);
        const mine = writes();
        expect({ ended, killed: mine.some((w) => w.killed === killAt) }).toEqual({
          ended: 'SIGKILL',
          killed: true,
        });

        const outcomes = await converge(job);
        expect(['busy', 'lease-lost']).not.toContain(outcomes.at(-1));

        const status = await store.getStatus(app);
        expect(status?.sync).toMatchObject({ status: 'Synced', revision: second });
        expect(status?.operation).toMatchObject({ phase: 'Succeeded', revision: second });
        expect(await store.getOperation(app)).toBeUndefined();
        const lease = await store.acquireLease(app, 'checker', 1_000, Date.now());
        expect(lease).toBeDefined();
        await store.releaseLease(lease!);

        const runs = await store.listRuns(app, 10);
        expect(runs.filter((r) => !r.superseded).map((r) => [r.revision, r.phase])).toEqual([
          [second, 'Succeeded'],
          [first, 'Succeeded'],
        ]);
        // The run says what was done, b's prune included, even when the dead worker carried it out.
        expect(Object.fromEntries(runs[0]!.results.map((r) => [r.ref.name, r.action]))).toMatchObject({
          b: 'pruned',
        });
        // b left the inventory: a ConfigMap b made later by someone else is never Gitferry's to prune.
        expect((await store.getInventory(app)).map((r) => r.name).sort()).toEqual(['a', 'c', 'd']);
        const live = JSON.parse(await kubectl(['get', 'configmaps', '-n', ns, '-o', 'json'])) as {
          items: { metadata: { name: string }; data?: { value?: string } }[];
        };
        expect(
          Object.fromEntries(
            live.items
              .filter((i) => i.metadata.name.length === 1)
              .map((i) => [i.metadata.name, i.data?.value]),
          ),
        ).toEqual({ a: '2', c: '2', d: '2' });
        const deletes = writes().filter(
          (w) => w.method === 'DELETE' && !w.dryRun && w.path?.includes(`/namespaces/${ns}/`),
        );
        // One delete carried out, of b only (a second attempt may find it gone: 404, nothing deleted).
        expect(deletes.filter((w) => w.status! >= 200 && w.status! < 300).map((w) => w.path)).toEqual([
          `/api/v1/namespaces/${ns}/configmaps/b`,
        ]);
      } finally {
        repo.dispose();
      }
    },
  );
});
