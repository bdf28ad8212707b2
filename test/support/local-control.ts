// The use cases on a SQLite store against the test bed's real cluster, with the queue, the renderer
// and the cluster client's requests counted: for tests that count wake-ups, renders and LISTs.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { openDatabase, type SqliteDatabase } from '../../shared/adapters/local/sqlite-database.js';
import { SqliteStateStore } from '../../shared/adapters/local/sqlite-state-store.js';
import { ClusterConnectorRouter } from '../../shared/adapters/cluster/cluster-connector-router.js';
import { TokenClusterConnector } from '../../shared/adapters/cluster/token-cluster-connector.js';
import type { Cluster } from '../../shared/domain/app.js';
import type { SyncJob } from '../../shared/domain/sync-job.js';
import { KubeClient, type KubeRequest } from '../../shared/engine/kube-client.js';
import type { Clock } from '../../shared/ports/clock.js';
import { silentLogger } from '../../shared/ports/logger.js';
import type { ClusterSessions } from '../../shared/control/cluster-sessions.js';
import type { ControlOptions } from '../../shared/control/deps.js';
import { WakeUpHandler, type WakeUpOutcome } from '../../shared/control/wake-up.js';
import type { SourceRendererOptions } from '../../shared/source/render.js';
import { sourceKit, testbedGuard } from './source.js';
import { testbed } from './testbed.js';

/**
 * The cluster client's requests go to every LocalControl alive: one spy for all of them (a second
 * spy on the same method would call the first as its original, and recurse).
 */
const requestListeners = new Set<KubeRequest[]>();
let requestSpy: { mockRestore: () => void } | undefined;

function countRequests(into: KubeRequest[]): () => void {
  if (!requestSpy) {
    const original = KubeClient.prototype.request;
    requestSpy = jest.spyOn(KubeClient.prototype, 'request').mockImplementation(function (
      this: KubeClient,
      req: KubeRequest,
    ) {
      for (const listener of requestListeners) listener.push(req);
      return original.call(this, req) as never;
    });
  }
  requestListeners.add(into);
  return () => {
    requestListeners.delete(into);
    if (requestListeners.size === 0) {
      requestSpy?.mockRestore();
      requestSpy = undefined;
    }
  };
}

export interface LocalControl {
  store: SqliteStateStore;
  /** The store's database, for a test that sets up what an older build left in it. */
  db: SqliteDatabase;
  clusterName: string;
  /** Wake-ups sent, in order, with their delays. */
  sent: { job: SyncJob; delaySeconds: number }[];
  /** Renders asked of the renderer. */
  renders: () => number;
  /** Requests the cluster client sent, since the last reset. */
  requests: KubeRequest[];
  /** `clusters`: cluster sessions shared with other handlers (a warm Lambda makes one per invocation). */
  handler: (opts?: Partial<ControlOptions>, clock?: Clock, clusters?: ClusterSessions) => WakeUpHandler;
  connector: ClusterConnectorRouter;
  renderer: ReturnType<typeof sourceKit>['renderer'];
  /** Handles job, then every wake-up it sends for the same app, until none is sent (or `max`). */
  runChain: (
    job: SyncJob,
    opts?: {
      handler?: WakeUpHandler;
      max?: number;
      onHandled?: (outcome: WakeUpOutcome, job: SyncJob) => void;
    },
  ) => Promise<WakeUpOutcome[]>;
  dispose: () => void;
}

/**
 * `cluster` and `connector` replace the test bed's kubeconfig-style cluster (an EKS cluster with
 * its own connector, say); apps then name `cluster.name` as their destination.
 */
export function startLocalControl(
  opts: {
    cluster?: Cluster;
    connector?: ClusterConnectorRouter;
    source?: Partial<SourceRendererOptions>;
  } = {},
): LocalControl {
  const dir = mkdtempSync(join(tmpdir(), 'gitferry-local-control-'));
  const db = openDatabase(join(dir, 'gitferry.db'));
  const store = new SqliteStateStore(db);
  const kit = sourceKit(opts.source);
  const bed = testbed();
  const clusterName = opts.cluster?.name ?? 'testbed';
  const secretPrefix = 'clusters/';
  void store.putCluster(
    opts.cluster ?? {
      name: clusterName,
      type: 'kubeconfig',
      server: bed.kube.server,
      caData: readFileSync(bed.kube.caFile).toString('base64'),
      tokenSecret: `${secretPrefix}${clusterName}/token`,
    },
  );
  const connector =
    opts.connector ??
    new ClusterConnectorRouter({
      kubeconfig: new TokenClusterConnector(
        { get: async () => bed.kube.token },
        { secretPrefix, server: { guard: testbedGuard } },
      ),
    });
  let renders = 0;
  const render = kit.renderer.render.bind(kit.renderer);
  kit.renderer.render = (req) => {
    renders++;
    return render(req);
  };
  const requests: KubeRequest[] = [];
  const stopCounting = countRequests(requests);
  const sent: LocalControl['sent'] = [];
  const handler = (
    opts: Partial<ControlOptions> = {},
    clock: Clock = { now: Date.now },
    clusters?: ClusterSessions,
  ) =>
    new WakeUpHandler({
      clusters,
      store,
      queue: { send: async (job, o) => void sent.push({ job, delaySeconds: o?.delaySeconds ?? 0 }) },
      connector,
      renderer: kit.renderer,
      credentials: async () => undefined,
      clock,
      log: silentLogger,
      holder: 'test-worker',
      options: { guard: testbedGuard, ...opts },
    });
  const runChain: LocalControl['runChain'] = async (first, opts = {}) => {
    const h = opts.handler ?? handler();
    const outcomes: WakeUpOutcome[] = [];
    let job: SyncJob | undefined = first;
    while (job && outcomes.length < (opts.max ?? 1_000)) {
      const before = sent.length;
      const outcome = await h.handle(job);
      outcomes.push(outcome);
      opts.onHandled?.(outcome, job);
      job = sent.slice(before).find((s) => s.job.app === first.app)?.job;
    }
    return outcomes;
  };
  return {
    store,
    db,
    clusterName,
    sent,
    renders: () => renders,
    requests,
    handler,
    connector,
    renderer: kit.renderer,
    runChain,
    dispose: () => {
      stopCounting();
      db.close();
      kit.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
