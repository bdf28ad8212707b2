import { assessAppHealth, batchReadOptions, readLiveObjects } from '../../../shared/engine/assess.js';
import { connectionFromKubeconfig } from '../../../shared/engine/cluster-connection.js';
import { KubeClient, type KubeRequest } from '../../../shared/engine/kube-client.js';
import { readKubeconfig } from '../../../shared/engine/kubeconfig.js';
import { ResourceManager } from '../../../shared/engine/resource-manager.js';
import { stepSync } from '../../../shared/engine/sync-operation.js';
import { refKey, refOf, type KubeObject, type ObjectRef } from '../../../shared/domain/kube-object.js';
import { testbedResourceManager } from '../../support/engine.js';
import { kubectl, testbed, uniqueName } from '../../support/testbed.js';

// What the engine asks the apiserver, counted at the client: a sync into a namespace it creates
// neither reads nor dry-runs objects before that namespace exists, and hands back what it saw so
// health needs no read; a batch read of a kind spread over many namespaces is one LIST across the
// cluster, unless that takes more pages than the namespaces or the credentials may not list there.

/** Requests sent by every KubeClient while `fn` runs, as `METHOD path [dryRun] [limit]`. */
async function counted<T>(fn: () => Promise<T>): Promise<{ result: T; requests: string[] }> {
  const requests: string[] = [];
  const original = KubeClient.prototype.request;
  KubeClient.prototype.request = function (this: KubeClient, req: KubeRequest) {
    requests.push(
      `${req.method} ${req.path}${req.query?.dryRun ? ' dryRun' : ''}${req.query?.limit ? ' list' : ''}`,
    );
    return original.call(this, req);
  } as typeof original;
  try {
    return { result: await fn(), requests };
  } finally {
    KubeClient.prototype.request = original;
  }
}

const configMap = (name: string, namespace?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...(namespace ? { namespace } : {}) },
  data: { k: 'v' },
});
const deployment = (name: string): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas: 0,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'app', image: 'registry.invalid/app:1' }] },
    },
  },
});

describe('requests the engine sends', () => {
  let rm: ResourceManager;
  const namespaces: string[] = [];
  beforeAll(async () => {
    rm = await testbedResourceManager();
    await rm.discovery.resolve('v1', 'ConfigMap'); // discovery is not what is counted
  });
  afterAll(async () => {
    rm.close();
    for (const ns of namespaces)
      await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
  });

  test('a sync creating its namespace sends one GET of it, then a dry run and an apply per object, and no read for health', async () => {
    const ns = uniqueName('few-new');
    namespaces.push(ns);
    const { result, requests } = await counted(() =>
      stepSync(rm, {
        desired: [{ object: configMap('settings') }, { object: deployment('web') }],
        inventory: [],
        observe: true,
        options: { destinationNamespace: ns, createNamespace: true, appName: 'few' },
      }),
    );
    expect(result.state.phase).toBe('Succeeded');
    // Discovery aside, the only read is of the namespace.
    expect(requests.filter((r) => r.startsWith('GET ') && r.includes('/namespaces'))).toEqual([
      `GET /api/v1/namespaces/${ns}`,
    ]);
    expect(requests.filter((r) => r.endsWith('dryRun'))).toHaveLength(2);
    expect(requests.filter((r) => r.startsWith('PATCH') && !r.endsWith('dryRun'))).toHaveLength(3); // namespace + 2

    // Health from what the step saw: both objects, read by nobody.
    const refs = result.state.planned.map((p) => p.ref);
    expect(result.observed && refs.every((r) => result.observed!.has(refKey(r)))).toBe(true);
    const health = await counted(() => assessAppHealth(rm, refs, result.observed));
    expect(health.requests).toEqual([]);
    const byKind = (rs: { ref: ObjectRef; health?: { status: string } }[]) =>
      Object.fromEntries(rs.map((r) => [r.ref.kind, r.health?.status ?? 'none']));
    // The Deployment was just created: its rollout is not observed yet.
    expect(byKind(health.result.resources)).toEqual({ ConfigMap: 'none', Deployment: 'Progressing' });
    // A fresh read says the same of the ConfigMap (the Deployment may have moved on since).
    expect(byKind((await assessAppHealth(rm, refs)).resources).ConfigMap).toBe('none');
  });

  test('a sync into a namespace that exists reads and dry-runs its objects as before', async () => {
    const ns = uniqueName('few-old');
    namespaces.push(ns);
    await kubectl(['create', 'namespace', ns]);
    const { result, requests } = await counted(() =>
      stepSync(rm, {
        desired: [{ object: configMap('settings') }],
        inventory: [],
        options: { destinationNamespace: ns, createNamespace: true, appName: 'few' },
      }),
    );
    expect(result.state.phase).toBe('Succeeded');
    expect(requests).toContain(`GET /api/v1/namespaces/${ns}/configmaps/settings`);
    expect(requests.filter((r) => r.endsWith('dryRun'))).toHaveLength(1);
  });

  describe('a batch read over 4 namespaces', () => {
    // PodTemplates: a kind nothing else on the shared bed creates, so the cluster's list of it is short.
    const podTemplate = (name: string, namespace: string, k = ''): KubeObject => ({
      apiVersion: 'v1',
      kind: 'PodTemplate',
      metadata: { name, namespace, labels: { k } },
      template: { spec: { containers: [{ name: 'app', image: 'registry.invalid/app:1' }] } },
    });
    const spread = Array.from({ length: 4 }, (_, i) => uniqueName(`few-b${i}`));
    const refs: ObjectRef[] = spread.flatMap((ns) => [
      refOf(podTemplate('one', ns)),
      refOf(podTemplate('two', ns)),
      refOf(podTemplate('absent', ns)),
    ]);
    beforeAll(async () => {
      namespaces.push(...spread);
      for (const ns of spread) {
        await kubectl(['create', 'namespace', ns]);
        await kubectl(
          ['apply', '-f', '-'],
          [podTemplate('one', ns, '1'), podTemplate('two', ns, '2')].map((o) => JSON.stringify(o)).join('\n'),
        );
      }
    });
    const summary = (live: Map<string, KubeObject | undefined>) =>
      [...live.entries()]
        .map(([k, o]) => `${k}=${o ? `${o.kind}:${o.metadata.labels?.k}` : 'missing'}`)
        .sort();

    test('is one LIST across the cluster, with the same answer as per namespace', async () => {
      const across = await counted(() => readLiveObjects(rm, refs, batchReadOptions));
      expect(across.requests).toEqual(['GET /api/v1/podtemplates list']);
      const perNamespace = await counted(() => readLiveObjects(rm, refs, { listThreshold: 1 }));
      expect(perNamespace.requests).toHaveLength(4);
      expect(summary(across.result.live)).toEqual(summary(perNamespace.result.live));
      expect(summary(across.result.live)).toHaveLength(12);
      expect(summary(across.result.live).filter((s) => s.endsWith('=missing'))).toHaveLength(4);
    });

    test('keeps of each object what the caller asks, across the cluster, per namespace and by GET', async () => {
      const keep = (o: KubeObject) => ({ label: `${o.kind}:${o.metadata.labels?.k}` });
      const asKept = (live: Map<string, { label: string } | undefined>) =>
        [...live.entries()].map(([k, o]) => `${k}=${o ? o.label : 'missing'}`).sort();
      const full = summary((await readLiveObjects(rm, refs, batchReadOptions)).live);
      const across = await counted(() => readLiveObjects(rm, refs, batchReadOptions, keep));
      expect(across.requests).toEqual(['GET /api/v1/podtemplates list']);
      expect(asKept(across.result.live)).toEqual(full);
      const perNamespace = await readLiveObjects(rm, refs, { listThreshold: 1 }, keep);
      expect(asKept(perNamespace.live)).toEqual(full);
      const byGet = await counted(() => readLiveObjects(rm, refs, { listThreshold: 1000 }, keep));
      expect(byGet.requests).toHaveLength(12);
      expect(asKept(byGet.result.live)).toEqual(full);
    });

    test('is per namespace when the cluster-wide list would take more pages than that', async () => {
      // Pages of 2: the cluster's 8 PodTemplates (at least) take 4 pages, no fewer than the namespaces.
      const read = await counted(() => readLiveObjects(rm, refs, { ...batchReadOptions, pageSize: 2 }));
      expect(read.requests[0]).toBe('GET /api/v1/podtemplates list');
      expect(read.requests.slice(1).every((r) => spread.some((ns) => r.includes(`/namespaces/${ns}/`)))).toBe(
        true,
      );
      expect(summary(read.result.live)).toHaveLength(12);
      expect(summary(read.result.live).filter((s) => s.endsWith('=missing'))).toHaveLength(4);
    });

    test('is per namespace for credentials that may read those namespaces only', async () => {
      const sa = uniqueName('few-reader');
      const home = spread[0]!;
      await kubectl(['-n', home, 'create', 'serviceaccount', sa]);
      for (const ns of spread) {
        await kubectl(['-n', ns, 'create', 'role', sa, '--verb=get,list', '--resource=podtemplates']);
        await kubectl([
          '-n',
          ns,
          'create',
          'rolebinding',
          sa,
          `--role=${sa}`,
          `--serviceaccount=${home}:${sa}`,
        ]);
      }
      const token = (await kubectl(['-n', home, 'create', 'token', sa])).trim();
      const kc = readKubeconfig(testbed().kubeconfig);
      const base = await connectionFromKubeconfig(kc, 'testbed');
      const reader = new ResourceManager({ ...base, authorization: async () => `Bearer ${token}` });
      try {
        const read = await counted(() => readLiveObjects(reader, refs, batchReadOptions));
        expect(read.requests.filter((r) => r === 'GET /api/v1/podtemplates list')).toHaveLength(1);
        expect(read.requests.filter((r) => r.endsWith(' list'))).toHaveLength(5);
        expect(summary(read.result.live).filter((s) => s.endsWith('=missing'))).toHaveLength(4);
      } finally {
        reader.close();
      }
    });
  });
});
