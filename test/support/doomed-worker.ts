// A worker process that SIGKILLs itself at a chosen point of a sync: a real process death (no
// finally block runs, no lease is released, nothing is flushed), at a point chosen by name.
// Usage (from a test): node --import tsx test/support/doomed-worker.ts <db> <app> <killAt> <log>
//   killAt: fetch (as the checkout starts), render (checkout done, render starting),
//           apply:<name> (after the cluster applied the object <name>), prune (after the first
//           delete the cluster carried out), record (as the finished run is about to be written).
// Every request the cluster answered is appended to <log> (one JSON line each, written before
// the kill), so the test counts what this process did to the cluster.
import { appendFileSync, readFileSync } from 'node:fs';
import { openDatabase } from '../../shared/adapters/local/sqlite-database.js';
import { SqliteStateStore } from '../../shared/adapters/local/sqlite-state-store.js';
import { ClusterConnectorRouter } from '../../shared/adapters/cluster/cluster-connector-router.js';
import { TokenClusterConnector } from '../../shared/adapters/cluster/token-cluster-connector.js';
import { WakeUpHandler } from '../../shared/control/wake-up.js';
import type { SyncJob } from '../../shared/domain/sync-job.js';
import { KubeClient, type KubeRequest } from '../../shared/engine/kube-client.js';
import { silentLogger } from '../../shared/ports/logger.js';
import type { Lease, StepCommit } from '../../shared/ports/state-store.js';
import { sourceKit, testbedGuard } from './source.js';
import { testbed } from './testbed.js';

const [dbFile, app, killAt, logFile] = process.argv.slice(2) as [string, string, string, string];
const die = (where: string) => {
  appendFileSync(logFile, `${JSON.stringify({ killed: where })}\n`);
  process.kill(process.pid, 'SIGKILL');
};

/** Wraps the cluster client: logs what the cluster did, and dies after the chosen apply or delete. */
export function watchCluster(log: string, kill?: (req: KubeRequest, status: number) => void): void {
  const original = KubeClient.prototype.request;
  KubeClient.prototype.request = async function (this: KubeClient, req: KubeRequest) {
    let status = 0;
    try {
      const res = await original.call(this, req);
      status = res.status;
      return res;
    } catch (err) {
      status = (err as { status?: number }).status ?? -1;
      throw err;
    } finally {
      if (req.method !== 'GET')
        appendFileSync(
          log,
          `${JSON.stringify({ pid: process.pid, method: req.method, path: req.path, dryRun: req.query?.dryRun, status })}\n`,
        );
      kill?.(req, status);
    }
  } as typeof original;
}

if (process.argv[1]?.endsWith('doomed-worker.ts')) {
  const bed = testbed();
  const store = new SqliteStateStore(openDatabase(dbFile));
  const kit = sourceKit();
  watchCluster(logFile, (req, status) => {
    if (status < 200 || status >= 300 || req.query?.dryRun) return;
    if (killAt.startsWith('apply:') && req.method === 'PATCH' && req.path.endsWith(`/${killAt.slice(6)}`))
      die(killAt);
    if (killAt === 'prune' && req.method === 'DELETE') die(killAt);
  });
  const withCheckout = kit.checkouts.withCheckout.bind(kit.checkouts);
  kit.checkouts.withCheckout = ((repo, sha, fn, ...rest) => {
    if (killAt === 'fetch') die(killAt);
    return withCheckout(
      repo,
      sha,
      (dir) => {
        if (killAt === 'render') die(killAt);
        return fn(dir);
      },
      ...rest,
    );
  }) as typeof withCheckout;
  const commitStep = store.commitStep.bind(store);
  store.commitStep = (lease: Lease, commit: StepCommit) => {
    if (killAt === 'record' && commit.run) die(killAt);
    return commitStep(lease, commit);
  };
  const sent: SyncJob[] = [];
  const handler = new WakeUpHandler({
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
    holder: `doomed-${process.pid}`,
    options: { guard: testbedGuard, leaseTtlMs: 4_000, backoffSeconds: [0] },
  });
  // The wake-up chain this app's sync takes, until it dies (or, if the point is never reached, ends).
  let job: SyncJob | undefined = JSON.parse(readFileSync(0, 'utf8')) as SyncJob;
  for (let hops = 0; job && hops < 50; hops++) {
    const before = sent.length;
    await handler.handle(job);
    job = sent.slice(before).find((j) => j.app === app);
  }
  appendFileSync(logFile, `${JSON.stringify({ survived: killAt })}\n`);
  process.exit(0);
}
