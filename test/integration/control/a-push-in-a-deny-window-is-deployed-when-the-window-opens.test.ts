import type { App } from '../../../shared/domain/app.js';
import { parseAppProject } from '../../../shared/domain/application-manifest.js';
import { TestRepo } from '../../support/git.js';
import { startLocalControl, type LocalControl } from '../../support/local-control.js';
import { kubectl, uniqueName } from '../../support/testbed.js';

// On the real cluster: a push while the project's deny window is open deploys nothing and says why;
// the chained wake-up that arrives after the window ends (the worker's Clock moved past it, nothing
// sleeps) deploys the pushed revision.
const ns = uniqueName('sync-window');

describe('a deny window on the test bed', () => {
  let lc: LocalControl;
  let repo: TestRepo;

  beforeAll(async () => {
    lc = startLocalControl();
    repo = await TestRepo.create('sync-window');
  });
  afterAll(async () => {
    lc?.dispose();
    repo?.dispose();
    await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
  });

  test('a push in the window waits, recorded; at the opening it is deployed', async () => {
    const sha = await repo.commit({
      'app/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: windowed }\ndata: { v: "1" }\n',
    });
    // A window that opened 5 minutes ago (UTC) and lasts an hour.
    const opened = new Date(Date.now() - 5 * 60_000);
    const project = uniqueName('windowed');
    const app: App = {
      name: uniqueName('windowed'),
      project,
      sources: [{ repoURL: repo.url, path: 'app', targetRevision: 'main' }],
      destination: { name: lc.clusterName, namespace: ns },
      syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
      ignoreDifferences: [],
      revisionHistoryLimit: 10,
      annotations: {},
    };
    await lc.store.putProject(
      parseAppProject({
        kind: 'AppProject',
        metadata: { name: project },
        spec: {
          sourceRepos: ['*'],
          destinations: [{ name: lc.clusterName, namespace: ns }],
          clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
          syncWindows: [
            {
              kind: 'deny',
              schedule: `${opened.getUTCMinutes()} ${opened.getUTCHours()} * * *`,
              duration: '1h',
              applications: [app.name],
            },
          ],
        },
      }),
    );
    await lc.store.putApp(app);
    await lc.store.requestSync(app.name, { reason: 'webhook', revision: sha, requestedAt: Date.now() });

    const first = await lc
      .handler()
      .handle({ app: app.name, reason: 'webhook', revision: sha, requestedAt: Date.now() });
    expect(first).toBe('window-closed');
    const waiting = await lc.store.getStatus(app.name);
    const condition = waiting?.conditions?.find((k) => k.type === 'SyncWindowClosed');
    expect(condition?.message).toMatch(
      /^sync window closed until \S+Z: deny window "\d+ \d+ \* \* \*" for 1h \(UTC\)$/,
    );
    await expect(kubectl(['get', 'configmap', 'windowed', '-n', ns])).rejects.toThrow();
    const chained = lc.sent.filter((s) => s.job.app === app.name);
    expect(chained.map((s) => [s.job.reason, s.delaySeconds])).toEqual([['poll', 900]]);

    // The window ends 55 minutes from now: the worker that takes the chained wake-up after that deploys.
    const later = { now: () => Date.now() + 56 * 60_000 };
    const outcomes = await lc.runChain(chained[0]!.job, { handler: lc.handler({}, later), max: 20 });
    expect(outcomes[0]).toBe('finished');
    expect(await kubectl(['get', 'configmap', 'windowed', '-n', ns, '-o', 'jsonpath={.data.v}'])).toBe('1');
    const synced = await lc.store.getStatus(app.name);
    expect(synced?.sync).toMatchObject({ status: 'Synced', revision: sha });
    expect(synced?.conditions?.some((k) => k.type === 'SyncWindowClosed') ?? false).toBe(false);
    console.log(
      `deny window: ${condition?.message}; then ${outcomes.join(', ')}; sync ${synced?.sync.status} at ${sha.slice(0, 7)}`,
    );
  });
});
