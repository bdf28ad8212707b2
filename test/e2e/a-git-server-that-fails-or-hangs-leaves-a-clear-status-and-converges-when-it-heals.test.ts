// The git server behind a fault proxy: it answers 500, or hangs, first for everything (the branch
// head cannot even be resolved), then only for the fetch after a good ref listing (a sync already
// under way). The status says what happened; nothing is applied from a failed fetch; once the
// server heals, the next wake-up (a redelivery, the retry policy) converges on the newest revision
// with complete history and nothing left locked.
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { startLocalControl, type LocalControl } from '../support/local-control.js';
import { TestRepo } from '../support/git.js';
import { kubectl, testbed, uniqueName } from '../support/testbed.js';
import type { SyncJob } from '../../shared/domain/sync-job.js';

const serverError = { status: 500, headers: { 'content-type': 'text/plain' }, body: 'injected failure' };

describe('a git server that fails or hangs', () => {
  let lc: LocalControl;
  let proxy: FaultProxy;
  const namespaces: string[] = [];
  beforeAll(async () => {
    lc = startLocalControl();
    proxy = await startFaultProxy(testbed().git.url);
  });
  afterAll(async () => {
    lc.dispose();
    await proxy.close();
    for (const ns of namespaces)
      await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
  });

  async function newApp(prefix: string) {
    const repo = await TestRepo.create(prefix);
    const name = uniqueName(prefix);
    const ns = uniqueName(`e2e-${prefix}`);
    namespaces.push(ns);
    await lc.store.putApp({
      name,
      project: 'default',
      // Through the proxy: same repository path, the proxy's port.
      sources: [
        {
          repoURL: repo.url.replace(testbed().git.url, proxy.url),
          path: 'guestbook',
          targetRevision: 'main',
        },
      ],
      destination: { name: lc.clusterName, namespace: ns },
      syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'], retry: { limit: 2 } },
      ignoreDifferences: [],
      revisionHistoryLimit: 10,
      annotations: {},
    });
    return { repo, name, ns };
  }

  async function push(app: string, revision: string): Promise<SyncJob> {
    const job: SyncJob = { app, reason: 'webhook', revision, requestedAt: Date.now() };
    await lc.store.requestSync(app, { reason: 'webhook', revision, requestedAt: job.requestedAt });
    return job;
  }

  async function expectConverged(name: string, ns: string, sha: string) {
    expect((await lc.store.getStatus(name))?.sync).toMatchObject({ status: 'Synced', revision: sha });
    expect(await lc.store.getOperation(name)).toBeUndefined();
    const lease = await lc.store.acquireLease(name, 'checker', 1_000, Date.now());
    expect(lease).toBeDefined();
    await lc.store.releaseLease(lease!);
    expect(
      JSON.parse(await kubectl(['get', 'configmap', '-n', ns, 'guestbook-config', '-o', 'json'])).data.title,
    ).toBe('Guestbook');
  }

  test.each([
    ['answers 500', () => serverError],
    ['hangs', () => 'hang' as const],
  ])(
    'that %s for every request: the status names the error, and the redelivered push converges',
    async (_, fault) => {
      const { repo, name, ns } = await newApp('git-down');
      const sha = await repo.commitFixture('guestbook');
      proxy.setPolicy(fault);
      const job = await push(name, sha);
      expect(await lc.runChain(job)).toEqual(['idle']);
      const status = await lc.store.getStatus(name);
      expect(status?.sync.status).toBe('Unknown');
      expect(status?.conditions?.[0]).toMatchObject({ type: 'ComparisonError' });
      expect(status?.conditions?.[0]?.message).toMatch(fault() === 'hang' ? /timed out/ : /500/);
      expect(await lc.store.listRuns(name, 10)).toEqual([]);

      proxy.setPolicy(() => 'pass');
      const again = await push(name, sha);
      await lc.runChain(again);
      await expectConverged(name, ns, sha);
      expect((await lc.store.listRuns(name, 10)).map((r) => [r.revision, r.phase])).toEqual([
        [sha, 'Succeeded'],
      ]);
      repo.dispose();
    },
    240_000,
  );

  test('that answers 500 for the fetch of a sync under way: the run fails, applies nothing, and the retry converges', async () => {
    const { repo, name, ns } = await newApp('git-fetch');
    const sha = await repo.commitFixture('guestbook');
    // The ref listing (resolving main) goes through; every upload-pack request after it fails.
    let listed = false;
    proxy.setPolicy((req) => {
      if (!req.url?.includes('git-upload-pack')) return 'pass';
      if (!listed && req.method === 'POST') return ((listed = true), 'pass');
      return req.method === 'POST' ? serverError : 'pass';
    });
    const job = await push(name, sha);
    expect(await lc.runChain(job, { max: 1 })).toEqual(['finished']);
    // The failed attempt is in history and in the status, and nothing was applied.
    const failed = await lc.store.listRuns(name, 10);
    expect(failed.map((r) => [r.revision, r.phase])).toEqual([[sha, 'Failed']]);
    expect(failed[0]!.message).toMatch(/500/);
    expect(failed[0]!.results).toEqual([]);
    expect((await lc.store.getStatus(name))?.operation).toMatchObject({ phase: 'Failed', revision: sha });
    await expect(kubectl(['get', 'configmap', '-n', ns, 'guestbook-config'])).rejects.toThrow();

    // The server heals; the retry policy's wake-up converges (the attempt's run is the same run).
    proxy.setPolicy(() => 'pass');
    const retry = lc.sent.filter((s) => s.job.app === name && s.job.reason === 'retry').at(-1);
    expect(retry).toBeDefined();
    await lc.runChain(retry!.job);
    expect((await lc.store.listRuns(name, 10)).map((r) => [r.revision, r.phase])).toEqual([
      [sha, 'Succeeded'],
    ]);
    await expectConverged(name, ns, sha);
    repo.dispose();
  });
});
