import { runDriftTick } from '../../../shared/control/drift-check.js';
import type { App } from '../../../shared/domain/app.js';
import { silentLogger } from '../../../shared/ports/logger.js';
import { TestRepo } from '../../support/git.js';
import { startLocalControl, type LocalControl } from '../../support/local-control.js';
import { testbedGuard } from '../../support/source.js';
import { kubectl, uniqueName } from '../../support/testbed.js';

// 100 apps synced for real on the test bed, then a drift tick: with nothing changed it renders
// nothing, reads each kind once per namespace with a LIST (no GET per object or app) and wakes
// nobody; a hand edit and a deletion wake exactly the apps concerned.
const count = 100;
const namespaces = [uniqueName('drift-a'), uniqueName('drift-b')];
const name = (i: number) => `d${String(i).padStart(3, '0')}`;
const nsOf = (i: number) => namespaces[i % 2]!;

describe('a drift tick over 100 unchanged apps', () => {
  let lc: LocalControl;
  let repo: TestRepo;
  const apps: App[] = [];

  beforeAll(async () => {
    lc = startLocalControl();
    repo = await TestRepo.create('drift100');
    const files: Record<string, string> = {};
    for (let i = 0; i < count; i++)
      files[`apps/${name(i)}/objects.yaml`] = [
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name(i)}\ndata:\n  index: "${i}"\n`,
        `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: ${name(i)}\n`,
      ].join('---\n');
    await repo.commit(files, 'a hundred apps');
    for (let i = 0; i < count; i++) {
      const app: App = {
        name: uniqueName(name(i)),
        project: 'default',
        sources: [{ repoURL: repo.url, path: `apps/${name(i)}`, targetRevision: 'main' }],
        destination: { name: lc.clusterName, namespace: nsOf(i) },
        syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
        ignoreDifferences: [],
        revisionHistoryLimit: 10,
        annotations: {},
      };
      apps.push(app);
      await lc.store.putApp(app);
    }
    // Sync them all for real, a few at a time (the worker's job; not what is measured here).
    const handler = lc.handler();
    for (let i = 0; i < count; i += 10)
      await Promise.all(
        apps
          .slice(i, i + 10)
          .map((app) =>
            lc.runChain({ app: app.name, reason: 'webhook', requestedAt: Date.now() }, { handler }),
          ),
      );
    for (const app of apps) expect((await lc.store.getStatus(app.name))?.sync.status).toBe('Synced');
  }, 600_000);

  afterAll(async () => {
    lc?.dispose();
    repo?.dispose();
    for (const ns of namespaces)
      await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
  });

  const tick = () =>
    runDriftTick({
      store: lc.store,
      queue: { send: async (job, o) => void lc.sent.push({ job, delaySeconds: o?.delaySeconds ?? 0 }) },
      connector: lc.connector,
      credentials: async () => undefined,
      clock: { now: Date.now },
      log: silentLogger,
      guard: testbedGuard,
    });

  /** The requests for the apps' objects (not discovery) since the counters were reset, as `verb path`. */
  function objectRequests(): string[] {
    return lc.requests
      .filter((r) => namespaces.some((ns) => r.path.includes(`/namespaces/${ns}/`)))
      .map((r) => `${r.method} ${r.path}${r.query?.limit ? ' (list)' : ''}`);
  }
  const reset = () => {
    lc.requests.length = 0;
    lc.sent.length = 0;
  };

  test('renders nothing, LISTs each kind once per namespace, wakes nobody', async () => {
    const rendersBefore = lc.renders();
    reset();
    const started = performance.now();
    const result = await tick();
    const ms = Math.round(performance.now() - started);

    expect(lc.renders() - rendersBefore).toBe(0);
    expect(result).toMatchObject({ clusters: 1, apps: count, unchanged: count, busy: 0, woken: [] });
    // Every app's status and inventory came from the cluster's drift views, in one store query.
    expect(result.storeReads).toEqual({ views: 1, statuses: 0, inventories: 0 });
    expect(lc.sent).toEqual([]);
    const reads = objectRequests();
    // 2 kinds × 2 namespaces, and not one request per object or per app.
    expect(reads.sort()).toEqual(
      namespaces
        .flatMap((ns) => [
          `GET /api/v1/namespaces/${ns}/configmaps (list)`,
          `GET /api/v1/namespaces/${ns}/serviceaccounts (list)`,
        ])
        .sort(),
    );
    expect(lc.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    // Whatever else was read is discovery (what the cluster serves), not objects.
    for (const r of lc.requests)
      if (!namespaces.some((ns) => r.path.includes(`/namespaces/${ns}/`)))
        expect(r.path).toMatch(/^\/(api|apis)(\/[^/]+){0,2}$|^\/version$|^\/openapi/);
    console.log(
      `drift tick over ${count} unchanged apps: ${lc.renders() - rendersBefore} renders, ${reads.length} LISTs (2 kinds × 2 namespaces), ${lc.requests.length} cluster requests in all (discovery included), ${lc.sent.length} wake-ups, ${ms} ms (SQLite store, one ls-remote)`,
    );
  });

  test('an app last stepped before drift views were kept is read on its own, woken once for a health check that files its view, and read with the others after', async () => {
    const old = apps[3]!.name;
    lc.db.prepare('DELETE FROM drift_views WHERE app = ?').run(old); // as an older build left it
    reset();
    const first = await tick();
    expect(first.storeReads).toEqual({ views: 1, statuses: 1, inventories: 1 });
    expect(first.woken).toEqual([{ app: old, finding: 'no-drift-view' }]);
    expect(lc.sent.map((s) => [s.job.app, s.job.reason])).toEqual([[old, 'health']]);

    const rendersBefore = lc.renders();
    expect(await lc.runChain(lc.sent[0]!.job)).toEqual(['health-checked']);
    expect(lc.renders() - rendersBefore).toBe(0);
    reset();
    const second = await tick();
    expect(second.storeReads).toEqual({ views: 1, statuses: 0, inventories: 0 });
    expect(second).toMatchObject({ unchanged: count, woken: [] });
  });

  test('a hand edit and a deleted object wake exactly the apps they belong to', async () => {
    await kubectl([
      'patch',
      'configmap',
      '-n',
      nsOf(7),
      name(7),
      '--type=merge',
      '-p',
      '{"data":{"index":"edited"}}',
    ]);
    await kubectl(['delete', 'serviceaccount', '-n', nsOf(42), name(42)]);
    reset();
    const result = await tick();

    expect(result.woken.sort((a, b) => a.app.localeCompare(b.app))).toEqual([
      { app: apps[7]!.name, finding: 'live-changed' },
      { app: apps[42]!.name, finding: 'live-changed' },
    ]);
    expect(lc.sent.map((s) => [s.job.app, s.job.reason]).sort()).toEqual(
      [
        [apps[7]!.name, 'drift'],
        [apps[42]!.name, 'drift'],
      ].sort(),
    );
    expect(result.unchanged).toBe(count - 2);
  });

  test('a cluster the drift function cannot read leaves its apps to the worker, not unchecked', async () => {
    reset();
    const result = await runDriftTick({
      store: lc.store,
      queue: { send: async (job, o) => void lc.sent.push({ job, delaySeconds: o?.delaySeconds ?? 0 }) },
      connector: { connect: async () => Promise.reject(new Error('AccessDeniedException: no access entry')) },
      credentials: async () => undefined,
      clock: { now: Date.now },
      log: silentLogger,
      guard: testbedGuard,
    });
    expect(result.woken).toHaveLength(count);
    expect(new Set(result.woken.map((w) => w.finding))).toEqual(new Set(['cannot-check']));
    expect(new Set(lc.sent.map((s) => s.job.reason))).toEqual(new Set(['drift']));
  });

  test('a new commit on the branch wakes its apps for the worker, still without rendering', async () => {
    const rendersBefore = lc.renders();
    await repo.commit({ 'README.md': 'a change no app renders differently' }, 'readme');
    reset();
    const result = await tick();
    expect(lc.renders() - rendersBefore).toBe(0);
    expect(result.woken).toHaveLength(count);
    expect(new Set(result.woken.map((w) => w.finding))).toEqual(new Set(['new-revision']));
  });

  test('an app whose first wake-up is still queued is not woken again, unless it was asked for long ago', async () => {
    const fresh: App = { ...apps[0]!, name: uniqueName('queued') };
    const stale: App = { ...apps[0]!, name: uniqueName('lost') };
    await lc.store.putApp(fresh);
    await lc.store.putApp(stale);
    await lc.store.requestSync(fresh.name, { reason: 'refresh', requestedAt: Date.now() });
    await lc.store.requestSync(stale.name, { reason: 'refresh', requestedAt: Date.now() - 60 * 60_000 });
    try {
      reset();
      const result = await tick();
      const woken = result.woken.map((w) => w.app);
      expect(woken).not.toContain(fresh.name);
      expect(result.woken.find((w) => w.app === stale.name)?.finding).toBe('never-compared');
    } finally {
      await lc.store.deleteApp(fresh.name);
      await lc.store.deleteApp(stale.name);
    }
  });
});
