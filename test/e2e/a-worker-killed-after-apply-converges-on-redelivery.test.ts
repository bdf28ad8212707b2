import { systemClock } from '../../shared/ports/clock.js';
import { silentLogger } from '../../shared/ports/logger.js';
import type { StateStore, StepCommit, Lease } from '../../shared/ports/state-store.js';
import { WakeUpHandler } from '../../shared/control/wake-up.js';
import { ClusterConnectorRouter } from '../../shared/adapters/cluster/cluster-connector-router.js';
import { TokenClusterConnector } from '../../shared/adapters/cluster/token-cluster-connector.js';
import type { SyncJob } from '../../shared/domain/sync-job.js';
import { TestRepo } from '../support/git.js';
import { startControlPlane, type ControlPlane } from '../support/control-plane.js';
import { sourceKit, testbedGuard, type SourceKit } from '../support/source.js';
import { kubectl, testbed, uniqueName } from '../support/testbed.js';

class WorkerKilled extends Error {}

describe('a worker killed after applying, before recording', () => {
  let cp: ControlPlane;
  let kit: SourceKit;
  let repo: TestRepo;
  const app = uniqueName('killed');
  const ns = uniqueName('e2e-killed');
  beforeAll(async () => {
    cp = await startControlPlane();
    kit = sourceKit();
    repo = await TestRepo.create('killed');
    await cp.store.putApp({
      name: app,
      project: 'default',
      sources: [{ repoURL: repo.url, path: 'guestbook', targetRevision: 'main' }],
      destination: { name: cp.clusterName, namespace: ns },
      syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
      ignoreDifferences: [],
      revisionHistoryLimit: 10,
      annotations: {},
    });
  });
  afterAll(async () => {
    cp.dispose();
    kit.dispose();
    repo.dispose();
    await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
  });

  function controller(store: StateStore, holder: string) {
    const secrets = { get: async () => testbed().kube.token };
    return new WakeUpHandler({
      store,
      queue: { send: async () => {} },
      connector: new ClusterConnectorRouter({
        kubeconfig: new TokenClusterConnector(secrets, {
          secretPrefix: cp.clusterSecretPrefix,
          server: { guard: testbedGuard },
        }),
      }),
      renderer: kit.renderer,
      credentials: async () => undefined,
      clock: systemClock,
      log: silentLogger,
      holder,
      // Long enough to outlast the dying worker's whole sync on a loaded machine, so that the
      // survivor's first try finds the dead lease still held.
      options: { guard: testbedGuard, leaseTtlMs: 6_000, backoffSeconds: [1] },
    });
  }

  test('the redelivered wake-up re-applies idempotently, records one run, and leaves nothing in progress', async () => {
    const sha = await repo.commitFixture('guestbook');
    const job: SyncJob = { app, reason: 'webhook', revision: sha, requestedAt: Date.now() };
    await cp.store.requestSync(app, { reason: 'webhook', revision: sha, requestedAt: job.requestedAt });

    // The process dies inside its first commit: the objects are applied, nothing is recorded, and
    // its lease is never released (a dead process releases nothing).
    const dying: StateStore = Object.create(cp.store, {
      commitStep: {
        value: async (_l: Lease, c: StepCommit) => {
          if (c.inventory?.length) throw new WorkerKilled('killed');
        },
      },
      releaseLease: { value: async () => {} },
    });
    await expect(controller(dying, 'worker-a').handle(job)).rejects.toBeInstanceOf(WorkerKilled);
    expect(
      JSON.parse(await kubectl(['get', 'configmap', '-n', ns, 'guestbook-config', '-o', 'json'])).data.title,
    ).toBe('Guestbook');
    expect(await cp.store.getStatus(app)).toBeUndefined();
    expect(await cp.store.getInventory(app)).toEqual([]);

    // SQS redelivers the message to another worker: busy while the dead lease lasts, then it converges.
    const survivor = controller(cp.store, 'worker-b');
    expect(await survivor.handle(job)).toBe('busy');
    await new Promise((r) => setTimeout(r, 6_100));
    expect(await survivor.handle(job)).toBe('finished');

    const runs = await cp.store.listRuns(app, 10);
    expect(runs.map((r) => [r.revision, r.phase])).toEqual([[sha, 'Succeeded']]);
    expect(runs[0]?.results.map((r) => r.action)).toEqual(['unchanged', 'unchanged']);
    expect((await cp.store.getStatus(app))?.sync).toMatchObject({ status: 'Synced', revision: sha });
    expect(await cp.store.getOperation(app)).toBeUndefined();
    expect((await cp.store.getInventory(app)).map((e) => e.name).sort()).toEqual([
      'guestbook-config',
      'guestbook-ui',
    ]);
  });
});
