import type { App } from '../../../shared/domain/app.js';
import { TestRepo } from '../../support/git.js';
import { startLocalControl, type LocalControl } from '../../support/local-control.js';
import { kubectl, uniqueName } from '../../support/testbed.js';

// On the real cluster: B depends on A. A push to B before A is ready deploys nothing and records
// the wait; A's finished sync wakes B, which then deploys. A dependency that never becomes ready
// (kwok's never-ready marker) holds its dependant, saying why.
const ns = uniqueName('depends-on');
const configMap = (name: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name} }\ndata: { v: "1" }\n`;
const stuck = `apiVersion: apps/v1
kind: Deployment
metadata: { name: stuck }
spec:
  replicas: 1
  selector: { matchLabels: { app: stuck } }
  template:
    metadata:
      labels: { app: stuck }
      annotations: { gitferry.dev/testbed-never-ready: "true" }
    spec:
      containers: [{ name: app, image: registry.invalid/never-ready:1 }]
`;

describe('app dependencies on the test bed', () => {
  let lc: LocalControl;
  let repo: TestRepo;
  let sha: string;
  const appOf = (name: string, path: string, dependsOn?: string): App => ({
    name,
    project: 'default',
    sources: [{ repoURL: repo.url, path, targetRevision: 'main' }],
    destination: { name: lc.clusterName, namespace: ns },
    syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
    ignoreDifferences: [],
    revisionHistoryLimit: 10,
    annotations: dependsOn ? { 'gitferry.dev/depends-on': dependsOn } : {},
  });
  const push = async (app: App) => {
    await lc.store.requestSync(app.name, { reason: 'webhook', revision: sha, requestedAt: Date.now() });
    return { app: app.name, reason: 'webhook' as const, revision: sha, requestedAt: Date.now() };
  };

  beforeAll(async () => {
    lc = startLocalControl();
    repo = await TestRepo.create('depends-on');
    sha = await repo.commit({
      'a/cm.yaml': configMap('dep-a'),
      'b/cm.yaml': configMap('dep-b'),
      'stuck/deploy.yaml': stuck,
      'held/cm.yaml': configMap('dep-held'),
    });
  });
  afterAll(async () => {
    lc?.dispose();
    repo?.dispose();
    await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
  });

  test('B waits for A, and A finishing wakes B, which deploys', async () => {
    const a = appOf(uniqueName('a'), 'a');
    const b = appOf(uniqueName('b'), 'b', a.name);
    await lc.store.putApp(a);
    await lc.store.putApp(b);

    expect(await lc.handler().handle(await push(b))).toBe('waiting');
    const waiting = (await lc.store.getStatus(b.name))?.conditions?.find(
      (k) => k.type === 'DependencyWaiting',
    );
    expect(waiting?.message).toBe(`waiting for ${a.name} (it has not been compared yet)`);
    await expect(kubectl(['get', 'configmap', 'dep-b', '-n', ns])).rejects.toThrow();

    const sentBefore = lc.sent.length;
    const aOutcomes = await lc.runChain(await push(a));
    expect(aOutcomes[0]).toBe('finished');
    expect((await lc.store.getStatus(a.name))?.health.status).toBe('Healthy');
    const wakeB = lc.sent.slice(sentBefore).filter((s) => s.job.app === b.name);
    expect(wakeB.map((s) => s.job.reason)).toEqual(['poll']);

    const bOutcomes = await lc.runChain(wakeB[0]!.job);
    expect(bOutcomes[0]).toBe('finished');
    expect(await kubectl(['get', 'configmap', 'dep-b', '-n', ns, '-o', 'jsonpath={.data.v}'])).toBe('1');
    const bStatus = await lc.store.getStatus(b.name);
    expect(bStatus?.sync).toMatchObject({ status: 'Synced', revision: sha });
    expect(bStatus?.conditions?.some((k) => k.type === 'DependencyWaiting') ?? false).toBe(false);
    console.log(
      `A → B: B ${waiting?.message}; A ${aOutcomes[0]}, woke B; B ${bOutcomes[0]}, ${bStatus?.sync.status}`,
    );
  });

  test('a dependency that never becomes ready holds its dependant, saying why', async () => {
    const a = appOf(uniqueName('stuck'), 'stuck');
    const b = appOf(uniqueName('held'), 'held', a.name);
    await lc.store.putApp(a);
    await lc.store.putApp(b);
    const sentBefore = lc.sent.length;
    expect((await lc.runChain(await push(a), { max: 3 }))[0]).toBe('finished');
    expect((await lc.store.getStatus(a.name))?.health.status).toBe('Progressing');
    expect(lc.sent.slice(sentBefore).some((s) => s.job.app === b.name)).toBe(false);

    expect(await lc.handler().handle(await push(b))).toBe('waiting');
    const message = (await lc.store.getStatus(b.name))?.conditions?.find(
      (k) => k.type === 'DependencyWaiting',
    )?.message;
    expect(message).toBe(`waiting for ${a.name} (it is Synced and Progressing)`);
    await expect(kubectl(['get', 'configmap', 'dep-held', '-n', ns])).rejects.toThrow();
    console.log(`held: ${message}`);
  });
});
