import type { App } from '../../../shared/domain/app.js';
import { TestRepo } from '../../support/git.js';
import { startLocalControl, type LocalControl } from '../../support/local-control.js';
import { kubectl, uniqueName } from '../../support/testbed.js';

// On the real cluster: the history entry of each sync names who started it — automated sync of a
// new app, a push (webhook), a user's manual sync (subject, groups, token id), as Argo CD's
// `initiatedBy` does.
const ns = uniqueName('initiated-by');

describe('each sync in the history names who started it', () => {
  let lc: LocalControl;
  let repo: TestRepo;

  beforeAll(async () => {
    lc = startLocalControl();
    repo = await TestRepo.create('initiated-by');
  });
  afterAll(async () => {
    lc?.dispose();
    repo?.dispose();
    await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
  });

  const configMap = (v: string) =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: initiated }\ndata: { v: "${v}" }\n`;

  test('automated, webhook, then a user', async () => {
    await repo.commit({ 'app/cm.yaml': configMap('1') });
    const app: App = {
      name: uniqueName('initiated'),
      project: 'default',
      sources: [{ repoURL: repo.url, path: 'app', targetRevision: 'main' }],
      destination: { name: lc.clusterName, namespace: ns },
      syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
      ignoreDifferences: [],
      revisionHistoryLimit: 10,
      annotations: {},
    };
    await lc.store.putApp(app);
    await lc.runChain({ app: app.name, reason: 'refresh', requestedAt: Date.now() }, { max: 30 });
    const [first] = await lc.store.listRuns(app.name, 1);
    expect(first?.phase).toBe('Succeeded');
    expect(first?.initiatedBy).toEqual({ username: 'automated', automated: true });

    const pushed = await repo.commit({ 'app/cm.yaml': configMap('2') });
    await lc.store.requestSync(app.name, { reason: 'webhook', revision: pushed, requestedAt: Date.now() });
    await lc.runChain(
      { app: app.name, reason: 'webhook', revision: pushed, requestedAt: Date.now() },
      { max: 30 },
    );
    const [second] = await lc.store.listRuns(app.name, 1);
    expect(second?.revision).toBe(pushed);
    expect(second?.initiatedBy).toEqual({ username: 'webhook', automated: true });

    const alice = { username: 'alice', groups: ['team-a'], tokenId: 'jti-1' };
    await lc.store.requestSync(app.name, { reason: 'manual', initiatedBy: alice, requestedAt: Date.now() });
    await lc.runChain({ app: app.name, reason: 'manual', requestedAt: Date.now() }, { max: 30 });
    const runs = await lc.store.listRuns(app.name, 5);
    expect(runs.map((r) => r.initiatedBy?.username)).toEqual(['alice', 'webhook', 'automated']);
    expect(runs[0]?.initiatedBy).toEqual(alice);
    expect(await kubectl(['get', 'configmap', 'initiated', '-n', ns, '-o', 'jsonpath={.data.v}'])).toBe('2');
  });
});
