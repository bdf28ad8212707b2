import type { App } from '../../../shared/domain/app.js';
import type { SyncJob } from '../../../shared/domain/sync-job.js';
import { TestRepo } from '../../support/git.js';
import { startLocalControl, type LocalControl } from '../../support/local-control.js';
import { kubectl, uniqueName } from '../../support/testbed.js';

// Twenty apps synced for real on the test bed, each a Deployment that is not ready yet (kwok's
// never-ready marker) and a ConfigMap, in two namespaces: going Progressing one after the other,
// they send one health recheck between them, not one each; each recheck of the cluster reads the
// objects of all twenty with one LIST per kind and namespace (no GET per app or object); once the
// Deployments are ready, the next recheck records all twenty Healthy and the chain ends.
const count = 20;
const namespaces = [uniqueName('recheck-a'), uniqueName('recheck-b')];
const name = (i: number) => `r${String(i).padStart(2, '0')}`;
const nsOf = (i: number) => namespaces[i % 2]!;
const objects = (n: string) => `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${n} }
spec:
  replicas: 1
  selector: { matchLabels: { app: ${n} } }
  template:
    metadata:
      labels: { app: ${n} }
      annotations: { gitferry.dev/testbed-never-ready: "true" }
    spec:
      containers: [{ name: app, image: registry.invalid/never-ready:1 }]
---
apiVersion: v1
kind: ConfigMap
metadata: { name: ${n} }
data: { v: "1" }
`;

describe('Progressing apps on one cluster', () => {
  let lc: LocalControl;
  let repo: TestRepo;
  const apps: App[] = [];

  beforeAll(async () => {
    lc = startLocalControl();
    repo = await TestRepo.create('recheck20');
    const files: Record<string, string> = {};
    for (let i = 0; i < count; i++) files[`apps/${name(i)}/objects.yaml`] = objects(name(i));
    await repo.commit(files, 'twenty apps');
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
  }, 120_000);

  afterAll(async () => {
    lc?.dispose();
    repo?.dispose();
    for (const ns of namespaces)
      await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
  });

  /** LISTs and GETs of the apps' objects since the last reset, as `verb path`. */
  const objectRequests = () =>
    lc.requests
      .filter((r) => namespaces.some((ns) => r.path.includes(`/namespaces/${ns}/`)))
      .map((r) => `${r.method} ${r.path}${r.query?.limit ? ' (list)' : ''}`)
      .sort();
  const oneListPerKindAndNamespace = namespaces
    .flatMap((ns) => [
      `GET /apis/apps/v1/namespaces/${ns}/deployments (list)`,
      `GET /api/v1/namespaces/${ns}/configmaps (list)`,
    ])
    .sort();
  const healthJobs = (from: number) => lc.sent.slice(from).filter((s) => s.job.reason === 'health');

  test('they send one recheck between them, each recheck LISTs once per kind and namespace, and all reach Healthy', async () => {
    const handler = lc.handler();
    const sentBefore = lc.sent.length;
    // Each app's sync, to its end (steps that wait come back as `continue`).
    for (const app of apps) {
      let job: SyncJob | undefined = { app: app.name, reason: 'webhook', requestedAt: Date.now() };
      while (job) {
        const before = lc.sent.length;
        await handler.handle(job);
        job = lc.sent.slice(before).find((s) => s.job.app === app.name && s.job.reason === 'continue')?.job;
      }
    }
    for (const app of apps) {
      const status = await lc.store.getStatus(app.name);
      expect(status?.sync.status).toBe('Synced');
      expect(status?.health.status).toBe('Progressing');
    }
    // Twenty apps went Progressing: one recheck of their cluster is due, in 2 s.
    const first = healthJobs(sentBefore);
    expect(first).toHaveLength(1);
    expect(first[0]!.job).toMatchObject({ reason: 'health', cluster: lc.clusterName, hop: 1 });
    expect(first[0]!.delaySeconds).toBe(2);

    // The first recheck: all still Progressing, read with 4 LISTs; the next one is due in 5 s.
    lc.requests.length = 0;
    let mark = lc.sent.length;
    expect(await handler.handle(first[0]!.job)).toBe('health-checked');
    expect(objectRequests()).toEqual(oneListPerKindAndNamespace);
    const second = healthJobs(mark);
    expect(second).toHaveLength(1);
    expect(second[0]!.job).toMatchObject({ cluster: lc.clusterName, hop: 2 });
    expect(second[0]!.delaySeconds).toBe(5);

    // The Deployments become ready: none wanted (a Deployment of none is Healthy once its
    // controller has seen it).
    for (let i = 0; i < count; i++)
      await kubectl(['scale', 'deployment', name(i), '-n', nsOf(i), '--replicas=0']);
    for (let i = 0; i < count; i++)
      await kubectl(['rollout', 'status', 'deployment', name(i), '-n', nsOf(i), '--timeout=120s']);

    // The second recheck records all twenty Healthy from the same 4 LISTs, and the chain ends.
    lc.requests.length = 0;
    mark = lc.sent.length;
    expect(await handler.handle(second[0]!.job)).toBe('health-checked');
    expect(objectRequests()).toEqual(oneListPerKindAndNamespace);
    for (const app of apps) {
      const status = await lc.store.getStatus(app.name);
      expect(status?.health).toEqual({ status: 'Healthy' });
      expect(status?.sync.status).toBe('Synced');
      expect(status?.resources.find((r) => r.ref.kind === 'Deployment')?.health?.status).toBe('Healthy');
    }
    expect(healthJobs(mark)).toEqual([]);
    console.log(
      `${count} Progressing apps in ${namespaces.length} namespaces: ${first.length + second.length} recheck wake-ups, ${oneListPerKindAndNamespace.length} LISTs each, 0 GETs`,
    );
  });

  test('apps refreshed into Progressing join the recheck due, and one whose lease is held is left to its holder', async () => {
    const handler = lc.handler();
    for (let i = 0; i < count; i++)
      await kubectl(['scale', 'deployment', name(i), '-n', nsOf(i), '--replicas=1']);
    const mark = lc.sent.length;
    for (const app of apps)
      await handler.handle({ app: app.name, reason: 'refresh', requestedAt: Date.now() });
    for (const app of apps) expect((await lc.store.getStatus(app.name))?.health.status).toBe('Progressing');
    const due = healthJobs(mark);
    expect(due).toHaveLength(1);

    // One becomes Healthy while another worker holds it: the recheck leaves its status alone.
    const held = apps[0]!;
    await kubectl(['scale', 'deployment', name(0), '-n', nsOf(0), '--replicas=0']);
    await kubectl(['rollout', 'status', 'deployment', name(0), '-n', nsOf(0), '--timeout=120s']);
    const before = await lc.store.getStatus(held.name);
    const lease = await lc.store.acquireLease(held.name, 'another-worker', 60_000, Date.now());
    expect(lease).toBeDefined();
    let next: SyncJob | undefined;
    try {
      const at = lc.sent.length;
      expect(await handler.handle(due[0]!.job)).toBe('health-checked');
      expect(await lc.store.getStatus(held.name)).toEqual(before);
      next = healthJobs(at)[0]?.job;
    } finally {
      await lc.store.releaseLease(lease!);
    }
    // The others are still Progressing, so the next recheck comes, and records it.
    expect(next).toMatchObject({ cluster: lc.clusterName });
    expect(await handler.handle(next!)).toBe('health-checked');
    expect((await lc.store.getStatus(held.name))?.health).toEqual({ status: 'Healthy' });
    expect((await lc.store.getStatus(apps[1]!.name))?.health.status).toBe('Progressing');
  });
});
