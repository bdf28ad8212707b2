import { runDriftTick } from '../../../shared/control/drift-check.js';
import { defaultWakeUpBounds } from '../../../shared/control/wake-bounds.js';
import type { App } from '../../../shared/domain/app.js';
import { silentLogger } from '../../../shared/ports/logger.js';
import { TestRepo } from '../../support/git.js';
import { startLocalControl, type LocalControl } from '../../support/local-control.js';
import { testbedGuard } from '../../support/source.js';
import { kubectl, uniqueName } from '../../support/testbed.js';

// Health rechecks read health only: an app whose Deployment never becomes ready (kwok's never-ready
// marker) is rendered once however many times its health is looked at again; the rechecks back
// off and stop at their bound, saying so. An operation that waits is rendered once too, and stops
// at its bound of wake-ups with a Failed run. A resource that turns Degraded after the app was
// Healthy shows Degraded after the next drift check, without a new sync. One that is Degraded when
// a sync finishes (a controller that has not looked again yet) is read again until it settles.
const ns = uniqueName('health-recheck');
const group = `${uniqueName('widgets').replace(/-/g, '')}.gitferry.test`;

const deployment = (name: string, wave = 0) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  annotations:
    argocd.argoproj.io/sync-wave: "${wave}"
spec:
  replicas: 1
  selector:
    matchLabels: { app: ${name} }
  template:
    metadata:
      labels: { app: ${name} }
      annotations:
        gitferry.dev/testbed-never-ready: "true"
    spec:
      containers:
        - name: app
          image: registry.invalid/never-ready:1
`;
const configMap = (name: string, wave: number) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
  annotations:
    argocd.argoproj.io/sync-wave: "${wave}"
data: { a: "1" }
`;
const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.${group}
spec:
  group: ${group}
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget, listKind: WidgetList }
  versions:
    - name: v1
      served: true
      storage: true
      subresources: { status: {} }
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
`;
const widget = (name = 'gadget', size = 3) => `apiVersion: ${group}/v1
kind: Widget
metadata:
  name: ${name}
spec:
  size: ${size}
`;

describe('health that stays current, read without rendering', () => {
  let lc: LocalControl;
  let repo: TestRepo;
  const appOf = (name: string, path: string): App => ({
    name,
    project: 'default',
    sources: [{ repoURL: repo.url, path, targetRevision: 'main' }],
    destination: { name: lc.clusterName, namespace: ns },
    syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
    ignoreDifferences: [],
    revisionHistoryLimit: 10,
    annotations: {},
  });

  beforeAll(async () => {
    lc = startLocalControl();
    repo = await TestRepo.create('health-recheck');
    await repo.commit({
      'stuck/deploy.yaml': deployment('stuck'),
      'gated/objects.yaml': `${deployment('gated', 0)}---\n${configMap('after-gate', 1)}`,
      'widget/widget.yaml': widget(),
      'lagging/widget.yaml': widget('lagging'),
    });
    await kubectl(['apply', '-f', '-'], crd);
    await kubectl(['wait', '--for=condition=Established', `crd/widgets.${group}`, '--timeout=60s']);
  });
  afterAll(async () => {
    lc?.dispose();
    repo?.dispose();
    await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
    await kubectl(['delete', 'crd', `widgets.${group}`, '--wait=false', '--ignore-not-found']);
  });

  test('a permanently Progressing app is rendered once over all its health rechecks, which back off and stop at their bound', async () => {
    const app = appOf(uniqueName('stuck'), 'stuck');
    await lc.store.putApp(app);
    const renders = lc.renders();
    const sentBefore = lc.sent.length;

    const outcomes = await lc.runChain({ app: app.name, reason: 'webhook', requestedAt: Date.now() });

    const bound = defaultWakeUpBounds.healthChain;
    expect(outcomes[0]).toBe('finished');
    expect(outcomes.slice(1)).toEqual(Array.from({ length: bound }, () => 'health-checked'));
    expect(lc.renders() - renders).toBe(1);
    const rechecks = lc.sent.slice(sentBefore);
    expect(rechecks.every((s) => s.job.reason === 'health')).toBe(true);
    expect(rechecks.map((s) => s.delaySeconds)).toEqual(
      Array.from({ length: bound }, (_, n) => [2, 5, 10][n] ?? 30),
    );
    const status = await lc.store.getStatus(app.name);
    expect(status?.health.status).toBe('Progressing');
    expect(status?.health.message).toContain(`still Progressing after ${bound} health rechecks`);
    expect(status?.resources.find((r) => r.ref.name === 'stuck')?.health?.status).toBe('Progressing');
    expect(await lc.store.listRuns(app.name, 10)).toHaveLength(1);
    console.log(
      `permanently Progressing Deployment: ${lc.renders() - renders} render over 1 sync + ${bound} health rechecks (delays ${rechecks
        .slice(0, 5)
        .map((s) => s.delaySeconds)
        .join(', ')}, … s)`,
    );
  });

  test('an operation waiting on a health gate is rendered once and stops at its bound of wake-ups, recorded as Failed', async () => {
    const app = appOf(uniqueName('gated'), 'gated');
    await lc.store.putApp(app);
    const renders = lc.renders();
    const sentBefore = lc.sent.length;
    const perOperation = 6;
    const handler = lc.handler({ bounds: { ...defaultWakeUpBounds, perOperation } });

    const outcomes = await lc.runChain(
      { app: app.name, reason: 'webhook', requestedAt: Date.now() },
      { handler, max: perOperation },
    );

    expect(outcomes).toEqual([...Array.from({ length: perOperation - 1 }, () => 'stepped'), 'finished']);
    expect(lc.renders() - renders).toBe(1);
    const continues = lc.sent.slice(sentBefore).filter((s) => s.job.reason === 'continue');
    expect(continues.map((s) => s.delaySeconds)).toEqual([2, 5, 10, 30, 30]);
    expect(continues.map((s) => s.job.hop)).toEqual([1, 2, 3, 4, 5]);
    const [run] = await lc.store.listRuns(app.name, 1);
    expect(run?.phase).toBe('Failed');
    expect(run?.message).toContain(`stopped after ${perOperation} wake-ups (the bound per operation)`);
    // The app's retry policy may start it again, afresh: its own wake-ups and a new render.
    const retry = await lc.store.getOperation(app.name);
    expect(retry).toMatchObject({ attempt: 2, wakeUps: 0 });
    expect(retry?.state).toBeUndefined();
    expect(retry?.desired).toBeUndefined();
    // The gate held: the next wave was never applied.
    await expect(kubectl(['get', 'configmap', '-n', ns, 'after-gate'])).rejects.toThrow();
  });

  test('a resource that turns Degraded after the app was Healthy shows Degraded after the drift check, without a sync', async () => {
    const app = appOf(uniqueName('widget'), 'widget');
    await lc.store.putApp(app);
    expect(await lc.runChain({ app: app.name, reason: 'webhook', requestedAt: Date.now() })).toEqual([
      'finished',
    ]);
    expect((await lc.store.getStatus(app.name))?.health.status).toBe('Healthy');
    const renders = lc.renders();

    await kubectl([
      'patch',
      `widgets.${group}`,
      'gadget',
      '-n',
      ns,
      '--subresource=status',
      '--type=merge',
      '-p',
      '{"status":{"conditions":[{"type":"Stalled","status":"True","reason":"BackendGone","message":"backend gone"}]}}',
    ]);
    const sentBefore = lc.sent.length;
    const tick = await runDriftTick({
      store: lc.store,
      queue: { send: async (job, o) => void lc.sent.push({ job, delaySeconds: o?.delaySeconds ?? 0 }) },
      connector: lc.connector,
      credentials: async () => undefined,
      clock: { now: Date.now },
      log: silentLogger,
      guard: testbedGuard,
    });
    expect(tick.woken).toContainEqual({ app: app.name, finding: 'health-changed' });
    const wake = lc.sent.slice(sentBefore).find((s) => s.job.app === app.name)!;
    // One wake-up (its recheck chain, health only, goes on while the app is Degraded just after its sync).
    expect(await lc.handler().handle(wake.job)).toBe('health-checked');

    const status = await lc.store.getStatus(app.name);
    expect(status?.health).toMatchObject({
      status: 'Degraded',
      message: expect.stringContaining('backend gone'),
    });
    expect(status?.sync.status).toBe('Synced');
    expect(lc.renders() - renders).toBe(0);
    expect(await lc.store.listRuns(app.name, 10)).toHaveLength(1);
  });

  test('an app Degraded when its sync finishes is read again by the rechecks and turns Healthy once the cluster catches up', async () => {
    // Its own store: no recheck of the cluster is due yet (one per cluster is, at most).
    const own = startLocalControl();
    const app = appOf(uniqueName('lagging'), 'lagging');
    await own.store.putApp(app);
    await own.runChain({ app: app.name, reason: 'webhook', requestedAt: Date.now() });
    const stalled = (value: 'True' | 'False') => [
      'patch',
      `widgets.${group}`,
      'lagging',
      '-n',
      ns,
      '--subresource=status',
      '--type=merge',
      '-p',
      `{"status":{"conditions":[{"type":"Stalled","status":"${value}","reason":"OldRollout","message":"old rollout timed out"}]}}`,
    ];
    // The live object still reports its previous rollout's failure when the next sync applies.
    await kubectl(stalled('True'));
    await repo.commit({ 'lagging/widget.yaml': widget('lagging', 4) });
    const sentBefore = own.sent.length;
    expect(await own.handler().handle({ app: app.name, reason: 'webhook', requestedAt: Date.now() })).toBe(
      'finished',
    );
    expect((await own.store.getStatus(app.name))?.health.status).toBe('Degraded');
    const recheck = own.sent.slice(sentBefore).find((s) => s.job.reason === 'health');
    expect(recheck).toMatchObject({ job: { cluster: own.clusterName, hop: 1 }, delaySeconds: 2 });

    // The controller catches up: the recheck records it, and the chain ends.
    await kubectl(stalled('False'));
    const afterCatchUp = own.sent.length;
    expect(await own.handler().handle(recheck!.job)).toBe('health-checked');
    expect((await own.store.getStatus(app.name))?.health.status).toBe('Healthy');
    expect(own.sent.slice(afterCatchUp).filter((s) => s.job.reason === 'health')).toEqual([]);
    expect(await own.store.listRuns(app.name, 10)).toHaveLength(2);
    own.dispose();
  });
});
