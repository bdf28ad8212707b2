import { intakePush } from '../../../shared/control/push-intake.js';
import type { App } from '../../../shared/domain/app.js';
import { silentLogger } from '../../../shared/ports/logger.js';
import { BranchHeadCache } from '../../../shared/source/head-cache.js';
import { TestRepo } from '../../support/git.js';
import { startGitRequestCounter, type GitRequestCounter } from '../../support/git-request-counter.js';
import { startLocalControl, type LocalControl } from '../../support/local-control.js';
import { kubectl, testbed, uniqueName } from '../../support/testbed.js';

// Twelve apps on one repository and branch, three paths (four apps each, in four namespaces),
// woken at once by one push: what reaches the git server is counted on the wire by a proxy in
// front of it, and the renders by the renderer. A second push, made while the first head is still
// cached, is seen (no stale head), and a wake-up without a push reuses the cached head.
const paths = ['apps/web', 'apps/api', 'apps/worker'];
const perPath = 4;
const namespaces = Array.from({ length: perPath }, (_, i) => uniqueName(`shared-src-${i}`));

function files(version: number): Record<string, string> {
  return Object.fromEntries(
    paths.map((p) => [
      `${p}/objects.yaml`,
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${p.split('/')[1]}\ndata:\n  version: "${version}"\n`,
    ]),
  );
}

describe('apps on one commit share one head lookup, one fetch and one render per path', () => {
  let lc: LocalControl;
  let repo: TestRepo;
  let git: GitRequestCounter;
  let url: string;
  const apps: App[] = [];

  /** Records a push as the webhook does, then runs every app's wake-ups at once. */
  async function push(sha: string, deliveryId: string): Promise<void> {
    const result = await intakePush(
      { provider: 'github', deliveryId, repoUrls: [url], branch: 'main', sha },
      { store: lc.store, queue: { send: async () => {} }, log: silentLogger, now: Date.now },
    );
    expect(result.enqueued).toHaveLength(apps.length);
    await Promise.all(
      apps.map((app) =>
        lc.runChain({ app: app.name, reason: 'webhook', revision: sha, requestedAt: Date.now() }),
      ),
    );
  }

  beforeAll(async () => {
    git = await startGitRequestCounter(testbed().git.url);
    // A head is reused for ten minutes unless a push or request says otherwise: any lookup this
    // test sees is one the freshness rule asked for, not one a short TTL happened to cause.
    lc = startLocalControl({ source: { heads: new BranchHeadCache({ ttlMs: 600_000 }) } });
    repo = await TestRepo.create('shared-source');
    url = `${git.url}/${repo.name}.git`;
    paths.forEach((path, p) =>
      namespaces.forEach((namespace, n) =>
        apps.push({
          name: uniqueName(`shared-${p}-${n}`),
          project: 'default',
          sources: [{ repoURL: url, path, targetRevision: 'main' }],
          destination: { name: lc.clusterName, namespace },
          syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
          ignoreDifferences: [],
          revisionHistoryLimit: 10,
          annotations: {},
        }),
      ),
    );
    for (const app of apps) await lc.store.putApp(app);
  }, 60_000);

  afterAll(async () => {
    lc?.dispose();
    repo?.dispose();
    await git?.close();
    await kubectl(['delete', 'namespace', '--wait=false', '--ignore-not-found', ...namespaces]).catch(
      () => {},
    );
  });

  test('one push to twelve apps: one ls-remote, one fetch, three renders, every app applied', async () => {
    const sha = await repo.commit(files(1), 'three paths');
    const before = git.counts();
    await push(sha, uniqueName('delivery'));
    const after = git.counts();
    expect(after.lsRefs - before.lsRefs).toBe(1);
    expect(after.fetches - before.fetches).toBe(1);
    expect(lc.renderer.stats().renders.renders).toBe(paths.length);
    for (const app of apps) {
      const status = await lc.store.getStatus(app.name);
      expect([app.name, status?.sync.status, status?.sync.revision]).toEqual([app.name, 'Synced', sha]);
    }
    const cm = await kubectl([
      'get',
      'configmap',
      'api',
      '-n',
      namespaces[3]!,
      '-o',
      'jsonpath={.data.version}',
    ]);
    expect(cm).toBe('1');
  }, 300_000);

  test('a push made while the old head is cached is seen; a wake-up without one reuses the cache', async () => {
    const rendersBefore = lc.renderer.stats().renders.renders;
    const sha = await repo.commit(files(2), 'version 2');
    const before = git.counts();
    await push(sha, uniqueName('delivery'));
    const afterPush = git.counts();
    // The first head (seconds old, kept for ten minutes) was not used: one new lookup saw the push.
    expect(afterPush.lsRefs - before.lsRefs).toBe(1);
    expect(afterPush.fetches - before.fetches).toBe(1);
    expect(lc.renderer.stats().renders.renders - rendersBefore).toBe(paths.length);
    for (const app of apps) expect((await lc.store.getStatus(app.name))?.sync.revision).toBe(sha);
    const cm = await kubectl([
      'get',
      'configmap',
      'web',
      '-n',
      namespaces[0]!,
      '-o',
      'jsonpath={.data.version}',
    ]);
    expect(cm).toBe('2');

    // Drift wake-ups (no push, no request): the cached head answers, nothing reaches the server.
    await Promise.all(
      apps.map((app) => lc.runChain({ app: app.name, reason: 'drift', requestedAt: Date.now() })),
    );
    expect(git.counts()).toEqual(afterPush);
  }, 300_000);
});
