// The worker Lambda SIGKILLed in each step of a sync (fetch, render, apply of wave 0 and of wave 1,
// prune, record), on the AWS path: a push reaches the webhook handler, the wake-up goes through
// SQS (moto), and a separate process runs the worker handler on it until it dies
// (test/support/doomed-lambda-worker.ts). The message it held becomes visible again after its
// visibility timeout and is handed to a worker in this process, as Lambda's event source would,
// while the dead worker's lease runs out (the lease lasts the worker's timeout: 4 s here). In
// every case: the newest revision is deployed, history holds one run per revision, the pruned
// object was deleted once, no lease or operation is left behind, nothing reached the dead-letter
// queue, and the status says Synced and Succeeded.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startControlPlane, githubPush, type ControlPlane } from '../support/control-plane.js';
import { watchCluster } from '../support/doomed-worker.js';
import { TestRepo } from '../support/git.js';
import { kubectl, uniqueName } from '../support/testbed.js';

const doomedWorker = fileURLToPath(new URL('../support/doomed-lambda-worker.ts', import.meta.url));
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
  method?: string;
  path?: string;
  dryRun?: string;
  status?: number;
  killed?: string;
}

describe('a worker Lambda killed in any step of a sync', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gitferry-doomed-lambda-'));
  const log = join(dir, 'cluster-writes.jsonl');
  const namespaces: string[] = [];
  let cp: ControlPlane;

  beforeAll(async () => {
    // Read when the handlers build their runtime (on first use), here and in the doomed process.
    process.env.GITFERRY_LEASE_TTL_SECONDS = '4';
    cp = await startControlPlane({ visibilityTimeout: 5 });
    writeFileSync(log, '');
    watchCluster(log);
  });
  afterAll(async () => {
    delete process.env.GITFERRY_LEASE_TTL_SECONDS;
    cp?.dispose();
    rmSync(dir, { recursive: true, force: true });
    for (const ns of namespaces)
      await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
  });

  function runDoomed(killAt: string): Promise<NodeJS.Signals | number | null> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', doomedWorker, killAt, log], {
        cwd: projectRoot,
        env: process.env,
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      child.on('error', reject);
      child.on('exit', (code, signal) => resolve(signal ?? code));
    });
  }

  const writes = () =>
    readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as ClusterWrite);

  test.each(['fetch', 'render', 'apply:a', 'apply:c', 'prune', 'record'])(
    'killed at %s: the redelivered wake-up deploys the newest revision, one run per revision, b deleted once, nothing locked',
    async (killAt) => {
      const repo = await TestRepo.create('doomed-lambda');
      const app = uniqueName('doomed-lambda');
      const ns = uniqueName('e2e-doomed-lambda');
      namespaces.push(ns);
      try {
        await cp.store.putApp({
          name: app,
          project: 'default',
          sources: [{ repoURL: repo.url, path: 'app', targetRevision: 'main' }],
          destination: { name: cp.clusterName, namespace: ns },
          syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
          ignoreDifferences: [],
          revisionHistoryLimit: 10,
          annotations: {},
        });
        const push = async (sha: string) => {
          const res = await cp.webhook(githubPush({ repoUrl: repo.url, sha, secret: cp.webhookSecret }));
          expect(res.statusCode).toBe(202);
        };
        let lastSeen: unknown;
        const syncedAt = (sha: string) => async () => {
          const s = await cp.store.getStatus(app);
          lastSeen = { sync: s?.sync, operation: s?.operation && { ...s.operation, results: undefined } };
          return s?.sync.status === 'Synced' && s.sync.revision === sha && s.operation?.phase === 'Succeeded';
        };
        const drainUntil = (sha: string) =>
          cp.drain({ until: syncedAt(sha), timeoutMs: 120_000 }).catch((err: Error) => {
            throw new Error(`${err.message}; the app's status last read: ${JSON.stringify(lastSeen)}`);
          });
        const first = await repo.commit(v1, 'v1');
        await push(first);
        await drainUntil(first);

        await repo.git('rm', '-q', 'app/b.yaml');
        const second = await repo.commit(v2, 'v2');
        await push(second);
        const ended = await runDoomed(killAt);
        expect({ ended, killed: writes().some((w) => w.killed === killAt) }).toEqual({
          ended: 'SIGKILL',
          killed: true,
        });

        // The message the dead worker held comes back after its visibility timeout.
        await drainUntil(second);
        // Whatever wake-ups are left (rechecks, a late redelivery) find nothing more to do.
        await cp.drain({ timeoutMs: 120_000 });
        expect(await cp.queueDepth()).toEqual({ visible: 0, delayed: 0, inFlight: 0 });
        expect(await cp.dlqDepth()).toBe(0);

        const status = await cp.store.getStatus(app);
        expect(status?.sync).toMatchObject({ status: 'Synced', revision: second });
        expect(status?.operation).toMatchObject({ phase: 'Succeeded', revision: second });
        expect(await cp.store.getOperation(app)).toBeUndefined();
        const lease = await cp.store.acquireLease(app, 'checker', 1_000, Date.now());
        expect(lease).toBeDefined();
        await cp.store.releaseLease(lease!);

        const runs = await cp.store.listRuns(app, 10);
        expect(runs.filter((r) => !r.superseded).map((r) => [r.revision, r.phase])).toEqual([
          [second, 'Succeeded'],
          [first, 'Succeeded'],
        ]);
        expect(Object.fromEntries(runs[0]!.results.map((r) => [r.ref.name, r.action]))).toMatchObject({
          b: 'pruned',
        });
        expect((await cp.store.getInventory(app)).map((r) => r.name).sort()).toEqual(['a', 'c', 'd']);
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
        expect(deletes.filter((w) => w.status! >= 200 && w.status! < 300).map((w) => w.path)).toEqual([
          `/api/v1/namespaces/${ns}/configmaps/b`,
        ]);
      } finally {
        repo.dispose();
      }
    },
    300_000,
  );
});
