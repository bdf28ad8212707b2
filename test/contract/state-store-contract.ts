// The one contract suite of the StateStore port. Every adapter (DynamoDB, SQLite) runs it from its
// own `*.test.ts` file; it is written against the port only, so it knows no keys, tables or files.
// Names are unique per test, so adapters may share one table or database across the suite.
import { repoLinkTarget } from '../../shared/domain/app-links.js';
import { createHash, randomBytes } from 'node:crypto';
import type { App, Cluster, ClusterConnectionState, Project } from '../../shared/domain/app.js';
import type { ChangeSetEntry } from '../../shared/domain/change-set.js';
import { driftStatusOf } from '../../shared/domain/drift-view.js';
import type { InventoryEntry } from '../../shared/domain/kube-object.js';
import type { AppStatus, SyncRun } from '../../shared/domain/status.js';
import {
  LeaseLostError,
  StateStoreError,
  type Lease,
  type StateStore,
  type StepCommit,
  type StoredOperation,
  type SyncRequest,
} from '../../shared/ports/state-store.js';

export interface StateStoreUnderTest {
  store: StateStore;
  dispose(): Promise<void>;
}

// ---- fixtures ---------------------------------------------------------------------------------

const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;
const hash = (...parts: (string | number)[]) => createHash('sha256').update(parts.join('/')).digest('hex');

function appFixture(name: string, i = 0): App {
  return {
    name,
    project: i % 2 ? 'platform' : 'default',
    sources: [
      {
        repoURL: `https://git.example.com/team/${name}.git`,
        path: `deploy/overlays/${i}`,
        targetRevision: 'main',
      },
      { repoURL: 'https://charts.example.com', chart: 'redis', targetRevision: '19.6.2', ref: 'values' },
    ],
    destination: { name: 'prod-eu', namespace: `ns-${i}` },
    syncPolicy: {
      automated: { prune: true, selfHeal: i % 3 === 0 },
      syncOptions: ['CreateNamespace=true', 'ServerSideApply=true'],
      retry: { limit: 5, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } },
    },
    ignoreDifferences: [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] }],
    revisionHistoryLimit: 10,
    annotations: {
      'argocd.argoproj.io/manifest-generate-paths': '.;../shared',
      note: 'ünïcødé ✓ #hash "quoted"',
    },
    ...(i % 4 === 0 ? { pinnedRevision: hash(name).slice(0, 40) } : {}),
  };
}

function projectFixture(name: string, i = 0): Project {
  return {
    name,
    sourceRepos: ['https://git.example.com/*', `https://git.example.com/team-${i}/*`],
    destinations: [{ name: 'prod-eu', namespace: `team-${i}-*` }],
    clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
    namespaceResourceBlacklist: [{ group: '', kind: 'ResourceQuota' }],
  };
}

function clusterFixture(name: string, i = 0): Cluster {
  return i % 2
    ? {
        name,
        type: 'kubeconfig',
        server: `https://10.0.0.${i % 250}:6443`,
        caData: 'LS0tLS1CRUdJTg==',
        tokenSecret: `gitferry/${name}`,
      }
    : {
        name,
        type: 'eks',
        eksClusterName: `eks-${i}`,
        region: 'eu-west-1',
        roleArn: `arn:aws:iam::123456789012:role/deployer-${i}`,
      };
}

function statusFixture(app: string, revision: string): AppStatus {
  return {
    app,
    sync: { status: 'Synced', revision, comparedAt: '2026-03-01T10:00:00.000Z' },
    health: { status: 'Progressing', message: 'Deployment/web/api: 1 of 3 updated replicas are available' },
    operation: { phase: 'Running', revision, startedAt: '2026-03-01T09:59:58.000Z', runId: 7 },
    resources: [
      {
        ref: { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'web', name: 'api' },
        status: 'Synced',
        health: { status: 'Progressing' },
      },
      {
        ref: { group: '', version: 'v1', kind: 'Namespace', name: 'web' },
        status: 'OutOfSync',
        message: 'ünïcødé ✓',
      },
    ],
    wantedRevision: revision,
    drift: {
      checkedAt: '2026-03-01T09:00:00.000Z',
      outOfSync: 1,
      diff: '--- live\n+++ desired\n@@ -1 +1 @@\n-a\n+b\n',
    },
  };
}

function operationFixture(runId: number, revision: string): StoredOperation {
  return {
    runId,
    revision,
    reason: 'webhook',
    state: {
      phase: 'apply',
      wave: -1,
      done: ['Namespace/web', 'ConfigMap/web/cfg'],
      waiting: null,
      nested: { a: [1, 2.5, true, 'x'] },
    },
    attempt: 2,
    startedAt: 1_767_225_600_000,
  };
}

function inventoryFixture(count: number, seed: string): InventoryEntry[] {
  return Array.from({ length: count }, (_, i) => {
    const clusterScoped = i % 10 === 0;
    return {
      group: i % 3 === 0 ? '' : 'apps',
      version: 'v1',
      kind: clusterScoped ? 'Namespace' : i % 3 === 0 ? 'ConfigMap' : 'Deployment',
      ...(clusterScoped ? {} : { namespace: `team-${i % 40}` }),
      name: `object-${seed}-${i}`,
      fingerprint: hash(seed, i),
    };
  });
}

/** A unified diff of `lines` changed lines, each with content that does not compress away. */
function diffFixture(seed: string, lines: number): string {
  const body = Array.from(
    { length: lines },
    (_, j) =>
      `-  key-${j}: ${hash(seed, j, 'old').slice(0, 24)}\n+  key-${j}: ${hash(seed, j, 'new').slice(0, 24)}`,
  );
  return `--- live\n+++ desired\n@@ -1,${lines} +1,${lines} @@\n${body.join('\n')}\n`;
}

function runFixture(app: string, id: number, results: number, diffLines = 0): SyncRun {
  const entries: ChangeSetEntry[] = Array.from({ length: results }, (_, i) => ({
    ref: {
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
      namespace: `team-${i % 7}`,
      name: `deploy-${i}`,
    },
    action: i % 5 === 0 ? 'unchanged' : 'configured',
    wave: (i % 3) - 1,
    ...(diffLines > 0 ? { diff: diffFixture(`${app}/${id}/${i}`, diffLines) } : {}),
    health: { status: 'Healthy' },
  }));
  return {
    app,
    id,
    revision: hash(app, id).slice(0, 40),
    reason: 'webhook',
    phase: 'Succeeded',
    message: `successfully synced (run ${id})`,
    startedAt: '2026-03-01T10:00:00.000Z',
    finishedAt: '2026-03-01T10:00:42.000Z',
    results: entries,
  };
}

function requestFixture(requestedAt: number, revision?: string): SyncRequest {
  return { reason: 'manual', ...(revision ? { revision } : {}), prune: true, dryRun: false, requestedAt };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/** Runs `fn` over `items` with at most `width` calls in flight. */
async function inBatches<T>(
  items: T[],
  width: number,
  fn: (item: T, i: number) => Promise<unknown>,
): Promise<void> {
  for (let i = 0; i < items.length; i += width) {
    await Promise.all(items.slice(i, i + width).map((item, j) => fn(item, i + j)));
  }
}

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

// ---- the suite --------------------------------------------------------------------------------

export function describeStateStoreContract(
  name: string,
  makeStore: () => Promise<StateStoreUnderTest>,
): void {
  describe(`${name}: StateStore contract`, () => {
    let subject: StateStoreUnderTest | undefined;
    const store = (): StateStore => {
      if (!subject) throw new Error(`${name}: the store was not created`);
      return subject.store;
    };

    beforeAll(async () => {
      subject = await makeStore();
    });
    afterAll(async () => {
      await subject?.dispose();
    });

    /** Takes a lease on the real clock, long enough for the test's commits. */
    async function hold(app: string, holder = unique('worker')): Promise<Lease> {
      const lease = await store().acquireLease(app, holder, 60_000, Date.now());
      if (!lease) throw new Error(`App/${app}: lease not granted to ${holder}`);
      return lease;
    }

    /** Everything stored about an app's sync state, for before/after comparisons. */
    async function snapshot(app: string) {
      return {
        status: await store().getStatus(app),
        operation: await store().getOperation(app),
        inventory: await store().getInventory(app),
        runs: await store().listRuns(app, 100),
        request: await store().getSyncRequest(app),
      };
    }

    describe('access records', () => {
      test('project tokens round-trip hashed, list per project, and a deleted (revoked) one is gone', async () => {
        const project = unique('proj');
        const id = unique('tok');
        const token = {
          name: id,
          project,
          role: 'ci',
          secretHash: 'ab'.repeat(32),
          issuedAt: 1,
          issuedBy: 'alice',
        };
        await store().putProjectToken(token);
        await store().putProjectToken({ ...token, name: unique('tok'), project: unique('other') });
        expect(await store().getProjectToken(id)).toEqual(token);
        expect(await store().listProjectTokens(project)).toEqual([token]);
        await store().deleteProjectToken(id);
        expect(await store().getProjectToken(id)).toBeUndefined();
        expect(await store().listProjectTokens(project)).toEqual([]);
      });

      test('audit entries list newest first, by app, and are trimmed by age', async () => {
        const app = unique('app');
        const entry = (at: number) => ({
          name: `${String(at).padStart(15, '0')}-${unique('e')}`,
          at,
          subject: 'alice',
          groups: ['team-a'],
          method: 'oidc-bearer',
          action: 'POST /api/v1/apps/web/sync',
          app,
          result: 'allowed' as const,
          status: 202,
        });
        const [old, mid, recent] = [entry(1_000), entry(2_000), entry(3_000)];
        for (const e of [mid, old, recent]) await store().appendAudit(e);
        expect((await store().listAudit({ app })).map((e) => e.at)).toEqual([3_000, 2_000, 1_000]);
        expect(await store().listAudit({ app, limit: 1 })).toEqual([recent]);
        expect(await store().trimAudit(2_500)).toBeGreaterThanOrEqual(2);
        expect(await store().listAudit({ app })).toEqual([recent]);
      });

      test('an audit entry past its expiresAt is no longer listed', async () => {
        const app = unique('app');
        const now = Date.now();
        const entry = (at: number, expiresAt: number) => ({
          name: `${String(at).padStart(15, '0')}-${unique('e')}`,
          at,
          subject: 'alice',
          groups: [],
          method: 'session',
          action: 'POST /api/v1/apps/web/sync',
          app,
          result: 'allowed' as const,
          expiresAt,
        });
        const gone = entry(now - 2_000, now - 1_000);
        const kept = entry(now - 1_000, now + 3_600_000);
        await store().appendAudit(gone);
        await store().appendAudit(kept);
        expect(await store().listAudit({ app })).toEqual([kept]);
      });

      test('a session revocation is read back until it expires, and a later put replaces it', async () => {
        const now = Date.now();
        const name = `session:${unique('sid')}`;
        const first = { name, revokedAt: now, expiresAt: now + 60_000, revokedBy: 'alice' };
        expect(await store().getRevocation(name)).toBeUndefined();
        await store().putRevocation(first);
        expect(await store().getRevocation(name)).toEqual(first);
        const second = { ...first, revokedAt: now + 5, revokedBy: 'admin' };
        await store().putRevocation(second);
        expect(await store().getRevocation(name)).toEqual(second);

        const expired = {
          name: `subject:${unique('sub')}`,
          revokedAt: now - 10,
          expiresAt: now - 1,
          revokedBy: 'admin',
        };
        await store().putRevocation(expired);
        expect(await store().getRevocation(expired.name)).toBeUndefined();
      });
    });

    describe('definitions', () => {
      test('apps round-trip, are replaced by a put, and more than 100 are listed across pages', async () => {
        const prefix = unique('app');
        const apps = Array.from({ length: 120 }, (_, i) =>
          appFixture(`${prefix}-${String(i).padStart(3, '0')}`, i),
        );
        await inBatches(apps, 20, (app) => store().putApp(app));

        expect(await store().getApp(apps[7]!.name)).toEqual(apps[7]);
        const listed = (await store().listApps()).filter((a) => a.name.startsWith(`${prefix}-`));
        expect(listed.sort(byName)).toEqual(apps);

        const changed = { ...apps[7]!, revisionHistoryLimit: 3, pinnedRevision: 'abc' };
        await store().putApp(changed);
        expect(await store().getApp(changed.name)).toEqual(changed);
        expect((await store().listApps()).filter((a) => a.name === changed.name)).toEqual([changed]);
      });

      test('apps are listed a page at a time after a name, in name order, whole', async () => {
        const p = unique('pg');
        const apps = ['c', 'a', 'b-2', 'b', 'd'].map((s, i) => appFixture(`${p}-${s}`, i));
        await inBatches(apps, 5, (app) => store().putApp(app));
        const page = async (after: string | undefined, limit: number) =>
          (await store().listAppsAfter(after, limit)).map((a) => a.name).filter((n) => n.startsWith(p));

        expect(await page(p, 2)).toEqual([`${p}-a`, `${p}-b`]);
        expect(await page(`${p}-b`, 2)).toEqual([`${p}-b-2`, `${p}-c`]);
        // After a name no app has, from the next one on.
        expect(await page(`${p}-bz`, 1_000)).toEqual([`${p}-c`, `${p}-d`]);
        expect(await page(`${p}-d`, 1_000)).toEqual([]);
        expect(await store().listAppsAfter(`${p}-b-2`, 1)).toEqual([apps[0]]);
        // A limit below one reads one; the first page starts at the first name.
        expect(await store().listAppsAfter(p, 0)).toHaveLength(1);
        const first = (await store().listAppsAfter(undefined, 1_000)).map((a) => a.name);
        expect(first).toEqual([...first].sort());
        // A name no app can have (a hostile cursor) is refused as such, not sent to the backend.
        await expect(store().listAppsAfter('x'.repeat(2_000), 5)).rejects.toMatchObject({
          code: 'state:invalid',
        });
      });

      test('projects round-trip and more than 100 are listed across pages', async () => {
        const prefix = unique('project');
        const projects = Array.from({ length: 110 }, (_, i) =>
          projectFixture(`${prefix}-${String(i).padStart(3, '0')}`, i),
        );
        await inBatches(projects, 20, (p) => store().putProject(p));

        expect(await store().getProject(projects[3]!.name)).toEqual(projects[3]);
        const listed = (await store().listProjects()).filter((p) => p.name.startsWith(`${prefix}-`));
        expect(listed.sort(byName)).toEqual(projects);
      });

      test('clusters of both kinds round-trip, more than 100 are listed across pages, and delete removes one', async () => {
        const prefix = unique('cluster');
        const clusters = Array.from({ length: 105 }, (_, i) =>
          clusterFixture(`${prefix}-${String(i).padStart(3, '0')}`, i),
        );
        await inBatches(clusters, 20, (c) => store().putCluster(c));

        expect(await store().getCluster(clusters[0]!.name)).toEqual(clusters[0]);
        expect(await store().getCluster(clusters[1]!.name)).toEqual(clusters[1]);
        const listed = (await store().listClusters()).filter((c) => c.name.startsWith(`${prefix}-`));
        expect(listed.sort(byName)).toEqual(clusters);

        await store().deleteCluster(clusters[4]!.name);
        expect(await store().getCluster(clusters[4]!.name)).toBeUndefined();
        const after = (await store().listClusters()).filter((c) => c.name.startsWith(`${prefix}-`));
        expect(after.map((c) => c.name).sort()).toEqual(
          clusters.filter((_, i) => i !== 4).map((c) => c.name),
        );
      });

      test('a cluster’s connection state is replaced whole, listed, and removed with the cluster', async () => {
        const prefix = unique('seen');
        const [a, b] = [`${prefix}-a`, `${prefix}-b`];
        for (const name of [a, b]) await store().putCluster(clusterFixture(name, 1));
        const failed: ClusterConnectionState = {
          name: a,
          status: 'Failed',
          message: 'GET /version: not sent, its API server has not answered 3 requests in a row',
          attemptedAt: '2026-12-02T15:00:00.000Z',
          server: 'https://10.0.0.1:6443',
          lastFailure: 'no TLS handshake within 10.0 s',
          nextTryAt: '2026-12-02T15:00:10.000Z',
        };
        await store().putClusterState(failed);
        expect(await store().getClusterState(a)).toEqual(failed);
        await store().putClusterState({ ...failed, name: b, status: 'Successful', message: '' });
        const answered: ClusterConnectionState = {
          name: a,
          status: 'Successful',
          message: '',
          attemptedAt: '2026-12-02T15:00:20.000Z',
          server: 'https://10.0.0.1:6443',
        };
        await store().putClusterState(answered);

        const mine = async () =>
          (await store().listClusterStates()).filter((c) => c.name.startsWith(`${prefix}-`)).sort(byName);
        expect(await mine()).toEqual([answered, { ...failed, name: b, status: 'Successful', message: '' }]);

        // Replaced whole: nothing of the Failed state is left.
        expect(await store().getClusterState(a)).toEqual(answered);

        await store().deleteCluster(a);
        expect((await mine()).map((c) => c.name)).toEqual([b]);
        expect(await store().getClusterState(a)).toBeUndefined();
        // A cluster registered again under the name starts with nothing seen.
        await store().putCluster(clusterFixture(a, 1));
        expect((await mine()).map((c) => c.name)).toEqual([b]);
      });

      test('what was never stored reads as undefined, an empty inventory or an empty history', async () => {
        const app = unique('never');
        expect(await store().getApp(app)).toBeUndefined();
        expect(await store().getProject(app)).toBeUndefined();
        expect(await store().getCluster(app)).toBeUndefined();
        expect(await snapshot(app)).toEqual({
          status: undefined,
          operation: undefined,
          inventory: [],
          runs: [],
          request: undefined,
        });
      });
    });

    describe('app links', () => {
      const linked = (name: string, links: { parent?: string; dependsOn?: string; after?: string }): App => ({
        ...appFixture(name),
        ...(links.parent ? { parent: links.parent } : {}),
        annotations: {
          ...(links.dependsOn ? { 'gitferry.dev/depends-on': links.dependsOn } : {}),
          ...(links.after ? { 'gitferry.dev/promote-after': links.after } : {}),
        },
      });
      const names = (apps: App[]) => apps.map((a) => a.name);

      test('children, dependants and next stages are listed by link, each only under its own', async () => {
        const p = unique('parent');
        const other = unique('other');
        const x = unique('x');
        const apps = [
          linked(`${p}-c1`, { parent: p }),
          linked(`${p}-c2`, { parent: p, dependsOn: x }),
          linked(`${p}-elsewhere`, { parent: other }),
          linked(`${p}-d1`, { dependsOn: `${x}, ${p}` }),
          linked(`${p}-d2`, { dependsOn: x }),
          linked(`${p}-s1`, { after: p }),
          linked(`${p}-plain`, {}),
        ];
        await inBatches(apps, 10, (a) => store().putApp(a));

        expect(names(await store().listLinkedApps('parent', p))).toEqual([`${p}-c1`, `${p}-c2`]);
        expect(names(await store().listLinkedApps('dependsOn', p))).toEqual([`${p}-d1`]);
        expect(names(await store().listLinkedApps('dependsOn', x))).toEqual([
          `${p}-c2`,
          `${p}-d1`,
          `${p}-d2`,
        ]);
        expect(names(await store().listLinkedApps('promoteAfter', p))).toEqual([`${p}-s1`]);
        expect(await store().listLinkedApps('parent', unique('nobody'))).toEqual([]);
        // Whole apps, as getApp reads them.
        expect((await store().listLinkedApps('parent', other))[0]).toEqual(apps[2]);
      });

      test('a rewritten app moves to the lists of its new links and a deleted one leaves them', async () => {
        const p = unique('parent');
        const q = unique('parent');
        const child = linked(`${p}-child`, { parent: p, dependsOn: p });
        const stays = linked(`${p}-stays`, { parent: p });
        await store().putApp(child);
        await store().putApp(stays);
        expect(names(await store().listLinkedApps('parent', p))).toEqual([child.name, stays.name]);

        await store().putApp(linked(child.name, { parent: q, after: p }));
        expect(names(await store().listLinkedApps('parent', p))).toEqual([stays.name]);
        expect(names(await store().listLinkedApps('parent', q))).toEqual([child.name]);
        expect(await store().listLinkedApps('dependsOn', p)).toEqual([]);
        expect(names(await store().listLinkedApps('promoteAfter', p))).toEqual([child.name]);

        await store().deleteApp(child.name);
        expect(await store().listLinkedApps('parent', q)).toEqual([]);
        expect(await store().listLinkedApps('promoteAfter', p)).toEqual([]);
        await store().putApp(linked(child.name, {}));
        expect(await store().listLinkedApps('parent', q)).toEqual([]);
      });

      test('apps are listed by the Git repositories they render from, whatever the spelling, never by a chart repository', async () => {
        const p = unique('repo');
        const repo = (name: string, ...urls: string[]): App => ({
          ...appFixture(name),
          sources: urls.map((repoURL) => ({ repoURL, path: 'deploy', targetRevision: 'main' })),
        });
        const shop = `https://Git.Example.com/${p}/Shop.git`;
        await store().putApp(repo(`${p}-a`, shop));
        await store().putApp(
          repo(`${p}-b`, `https://git.example.com/${p}/shop`, `https://git.example.com/${p}/lib`),
        );
        await store().putApp(repo(`${p}-c`, `https://git.example.com/${p}/shopping`));
        await store().putApp({
          ...appFixture(`${p}-chart`),
          sources: [{ repoURL: `https://git.example.com/${p}/shop`, chart: 'shop', targetRevision: '1.0.0' }],
        });
        const target = repoLinkTarget(`https://git.example.com/${p}/shop`)!;
        expect(target).toMatch(/^[0-9a-f]{32}$/);
        expect(repoLinkTarget(shop)).toBe(target);
        expect(names(await store().listLinkedApps('repo', target))).toEqual([`${p}-a`, `${p}-b`]);
        expect(
          names(await store().listLinkedApps('repo', repoLinkTarget(`https://git.example.com/${p}/lib`)!)),
        ).toEqual([`${p}-b`]);
        // Moved to another repository: listed there only.
        await store().putApp(repo(`${p}-a`, `https://git.example.com/${p}/lib`));
        expect(names(await store().listLinkedApps('repo', target))).toEqual([`${p}-b`]);
        // A URL that matches nothing links nothing (and is no key).
        expect(repoLinkTarget('git@github.com:org/repo.git')).toBeUndefined();
      });

      test('a repository of 120 apps lists all 120 (more than one batched read of 100), each whole', async () => {
        const p = unique('mono');
        const url = `https://git.example.com/${p}/monorepo`;
        const all = Array.from({ length: 120 }, (_, i) => ({
          ...appFixture(`${p}-${String(i).padStart(3, '0')}`),
          sources: [{ repoURL: url, path: `apps/${i}`, targetRevision: 'main' }],
        }));
        for (const app of all) await store().putApp(app);

        const found = await store().listLinkedApps('repo', repoLinkTarget(url)!);

        expect(found).toEqual(all);
      }, 120_000);

      test('a target is matched whole (no prefix, no separator tricks), and a bad link or target is refused', async () => {
        const p = unique('t');
        const tricky = linked(`${p}-tricky`, { dependsOn: `${p}#parent#${p}` });
        await store().putApp(tricky);
        await store().putApp(linked(`${p}-child`, { parent: p }));
        expect(await store().listLinkedApps('dependsOn', p)).toEqual([]);
        expect(names(await store().listLinkedApps('dependsOn', `${p}#parent#${p}`))).toEqual([tricky.name]);
        expect(names(await store().listLinkedApps('parent', p))).toEqual([`${p}-child`]);
        expect(await store().listLinkedApps('parent', p.slice(0, -1))).toEqual([]);

        await expect(store().listLinkedApps('owner' as never, p)).rejects.toMatchObject({
          code: 'state:invalid',
        });
        await expect(store().listLinkedApps('parent', '')).rejects.toBeInstanceOf(StateStoreError);
      });
    });

    describe('sync state', () => {
      test('commitStep writes status, operation, inventory and run together, and leaves parts it omits unchanged', async () => {
        const app = unique('app');
        const lease = await hold(app);
        const status = statusFixture(app, 'a'.repeat(40));
        const operation = operationFixture(1, 'a'.repeat(40));
        const inventory = inventoryFixture(300, app);
        const run = runFixture(app, 1, 40, 6);
        await store().commitStep(lease, { status, operation, inventory, run });

        expect(await snapshot(app)).toEqual({
          status,
          operation,
          inventory,
          runs: [run],
          request: undefined,
        });

        const status2 = { ...statusFixture(app, 'b'.repeat(40)), health: { status: 'Healthy' as const } };
        await store().commitStep(lease, { status: status2 });
        expect(await snapshot(app)).toEqual({
          status: status2,
          operation,
          inventory,
          runs: [run],
          request: undefined,
        });
      });

      test('the notifications an app was sent, and a NotificationError condition, round-trip with its status', async () => {
        const app = unique('app');
        const lease = await hold(app);
        const sent = Array.from(
          { length: 100 },
          (_, i) => `on-deployed|github||${i.toString(16).padStart(40, '0')}`,
        );
        const status = {
          ...statusFixture(app, 'a'.repeat(40)),
          notifications: { sent },
          conditions: [
            {
              type: 'NotificationError' as const,
              message: 'slack on-sync-failed: answered 503',
              at: '2026-12-01T11:00:00.000Z',
            },
          ],
        };
        await store().commitStep(lease, { status });
        expect(await store().getStatus(app)).toEqual(status);
      });

      test('an operation set to null is cleared', async () => {
        const app = unique('app');
        const lease = await hold(app);
        await store().commitStep(lease, { operation: operationFixture(4, 'c'.repeat(40)) });
        expect(await store().getOperation(app)).toEqual(operationFixture(4, 'c'.repeat(40)));

        await store().commitStep(lease, { operation: null });
        expect(await store().getOperation(app)).toBeUndefined();
      });

      test('an inventory of 5,000 entries round-trips exactly, and a smaller one replaces it entirely', async () => {
        const app = unique('app');
        const lease = await hold(app);
        const big = inventoryFixture(5_000, app);
        await store().commitStep(lease, { inventory: big });
        expect(await store().getInventory(app)).toEqual(big);

        const small = inventoryFixture(3, `${app}-next`);
        await store().commitStep(lease, { inventory: small });
        expect(await store().getInventory(app)).toEqual(small);

        await store().commitStep(lease, { inventory: [] });
        expect(await store().getInventory(app)).toEqual([]);
      });

      test('a run with 3,000 results and long diffs round-trips exactly', async () => {
        const app = unique('app');
        const lease = await hold(app);
        const run = runFixture(app, 1, 3_000, 12);
        await store().commitStep(lease, { run });

        expect(await store().listRuns(app, 1)).toEqual([run]);
      });

      test('a run written again by a later step is listed once, with its latest content', async () => {
        const app = unique('app');
        const lease = await hold(app);
        const { finishedAt: _unfinished, ...started } = runFixture(app, 1, 2_000, 8);
        const running: SyncRun = { ...started, phase: 'Running' };
        await store().commitStep(lease, { run: running });
        const done = runFixture(app, 1, 5);
        await store().commitStep(lease, { run: done });

        expect(await store().listRuns(app, 10)).toEqual([done]);
      });

      test('run history is newest first and honours the limit', async () => {
        const app = unique('app');
        const lease = await hold(app);
        const runs: SyncRun[] = [];
        for (let i = 0; i < 12; i++) {
          const run = runFixture(app, await store().nextRunId(app), 3);
          runs.push(run);
          await store().commitStep(lease, { run });
        }
        const newestFirst = [...runs].reverse();

        expect((await store().listRuns(app, 5)).map((r) => r.id)).toEqual([12, 11, 10, 9, 8]);
        expect(await store().listRuns(app, 5)).toEqual(newestFirst.slice(0, 5));
        expect(await store().listRuns(app, 100)).toEqual(newestFirst);
        expect(await store().listRuns(app, 1)).toEqual([runs[11]]);
        expect(await store().listRuns(app, 0)).toEqual([]);
      });

      test('superseded runs can be skipped: the limit then counts only runs that were applied', async () => {
        const app = unique('app');
        const lease = await hold(app);
        const applied: SyncRun[] = [];
        const write = async (run: SyncRun) => store().commitStep(lease, { run });
        // Two applied runs (one large enough to span chunks), then a flood of supersessions, then one more.
        for (const results of [3, 400]) {
          const run = runFixture(app, await store().nextRunId(app), results, results > 3 ? 6 : 0);
          applied.push(run);
          await write(run);
        }
        for (let i = 0; i < 30; i++) {
          const id = await store().nextRunId(app);
          await write({ ...runFixture(app, id, 0), superseded: true, message: 'superseded' });
        }
        const last = runFixture(app, await store().nextRunId(app), 2);
        applied.push(last);
        await write(last);
        const newestApplied = [...applied].reverse();

        expect(await store().listRuns(app, 3, { includeSuperseded: false })).toEqual(newestApplied);
        expect(await store().listRuns(app, 2, { includeSuperseded: false })).toEqual(
          newestApplied.slice(0, 2),
        );
        expect(await store().listRuns(app, 100, { includeSuperseded: false })).toEqual(newestApplied);
        expect((await store().listRuns(app, 0, { includeSuperseded: false })).length).toBe(0);
        // By default, and when asked, supersessions are listed like any run.
        const all = await store().listRuns(app, 3);
        expect(all.map((r) => [r.id, Boolean(r.superseded)])).toEqual([
          [33, false],
          [32, true],
          [31, true],
        ]);
        expect(await store().listRuns(app, 3, { includeSuperseded: true })).toEqual(all);
      });

      test('nextRunId counts up without duplicates under 20 concurrent calls', async () => {
        const app = unique('app');
        const ids = await Promise.all(Array.from({ length: 20 }, () => store().nextRunId(app)));

        expect([...ids].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
        expect(await store().nextRunId(app)).toBe(21);
        expect(await store().nextRunId(unique('other'))).toBe(1);
      });

      test('a step with a run id that is not a whole number from 0 to 9999999999 is refused as invalid and writes nothing', async () => {
        const app = unique('app');
        const lease = await hold(app);
        for (const id of [1e10, -1, 1.5, Number.NaN]) {
          const err = await rejection(
            store().commitStep(lease, {
              status: statusFixture(app, 'a'.repeat(40)),
              run: runFixture(app, id, 1),
            }),
          );
          expect(err).toBeInstanceOf(StateStoreError);
          expect((err as StateStoreError).code).toBe('state:invalid');
          expect(err.message).toBe(`App/${app} run id ${id} is not an integer from 0 to 9999999999`);
        }
        await store().commitStep(lease, { run: runFixture(app, 9_999_999_999, 1) });

        expect((await store().listRuns(app, 10)).map((r) => r.id)).toEqual([9_999_999_999]);
        expect(await store().getStatus(app)).toBeUndefined();
      });

      test('a step carrying the status or a run of another app is refused as invalid and writes nothing', async () => {
        const app = unique('app');
        const other = unique('other');
        const lease = await hold(app);
        const wrongStatus = await rejection(
          store().commitStep(lease, {
            inventory: inventoryFixture(2, app),
            status: statusFixture(other, 'a'.repeat(40)),
          }),
        );
        const wrongRun = await rejection(store().commitStep(lease, { run: runFixture(other, 1, 1) }));

        expect(wrongStatus.message).toBe(`App/${app} step commit carries the status of app ${other}`);
        expect(wrongRun.message).toBe(`App/${app} step commit carries run 1 of app ${other}`);
        for (const err of [wrongStatus, wrongRun])
          expect((err as StateStoreError).code).toBe('state:invalid');
        expect(await snapshot(app)).toEqual({
          status: undefined,
          operation: undefined,
          inventory: [],
          runs: [],
          request: undefined,
        });
      });

      test('listRuns counts whole runs: a fractional limit is rounded down, and NaN or negative limits list nothing', async () => {
        const app = unique('app');
        const lease = await hold(app);
        for (let id = 1; id <= 4; id++) await store().commitStep(lease, { run: runFixture(app, id, 1) });

        expect((await store().listRuns(app, 2.9)).map((r) => r.id)).toEqual([4, 3]);
        expect((await store().listRuns(app, 2.9, { includeSuperseded: false })).map((r) => r.id)).toEqual([
          4, 3,
        ]);
        expect((await store().listRuns(app, Infinity)).map((r) => r.id)).toEqual([4, 3, 2, 1]);
        expect(await store().listRuns(app, 0.5)).toEqual([]);
        expect(await store().listRuns(app, -3)).toEqual([]);
        expect(await store().listRuns(app, Number.NaN)).toEqual([]);
      });
    });

    describe('sync requests', () => {
      test('requestSync keeps the newest request', async () => {
        const app = unique('app');
        await store().requestSync(app, requestFixture(2_000, 'b'.repeat(40)));
        expect(await store().getSyncRequest(app)).toEqual(requestFixture(2_000, 'b'.repeat(40)));

        await store().requestSync(app, requestFixture(1_000, 'a'.repeat(40)));
        expect(await store().getSyncRequest(app)).toEqual(requestFixture(2_000, 'b'.repeat(40)));

        const newest: SyncRequest = { reason: 'webhook', revision: 'c'.repeat(40), requestedAt: 3_000 };
        await store().requestSync(app, newest);
        expect(await store().getSyncRequest(app)).toEqual(newest);
      });

      test('a request made at the same instant replaces the stored one (the options asked for last win)', async () => {
        const app = unique('app');
        await store().requestSync(app, requestFixture(2_000, 'a'.repeat(40)));
        const same: SyncRequest = { reason: 'webhook', revision: 'b'.repeat(40), requestedAt: 2_000 };
        await store().requestSync(app, same);

        expect(await store().getSyncRequest(app)).toEqual(same);
      });

      test('a request whose requestedAt is not a whole number of milliseconds is refused as invalid and stores nothing', async () => {
        const app = unique('app');
        for (const requestedAt of [1_000.5, Number.NaN, Infinity, undefined]) {
          const err = await rejection(
            store().requestSync(app, { reason: 'manual', requestedAt } as unknown as SyncRequest),
          );
          expect((err as StateStoreError).code).toBe('state:invalid');
          expect(err.message).toBe(`App/${app} sync request has no valid requestedAt`);
        }
        expect(await store().getSyncRequest(app)).toBeUndefined();
      });

      test('consumedRequestAt removes the request the step saw, and a newer one survives', async () => {
        const app = unique('app');
        const lease = await hold(app);
        await store().requestSync(app, requestFixture(1_000));
        await store().commitStep(lease, { consumedRequestAt: 1_000 });
        expect(await store().getSyncRequest(app)).toBeUndefined();

        // A request arriving while the step ran (after it read the one at 1,500) is not consumed.
        await store().requestSync(app, requestFixture(2_000, 'd'.repeat(40)));
        await store().commitStep(lease, {
          status: statusFixture(app, 'd'.repeat(40)),
          consumedRequestAt: 1_500,
        });
        expect(await store().getSyncRequest(app)).toEqual(requestFixture(2_000, 'd'.repeat(40)));
        expect(await store().getStatus(app)).toEqual(statusFixture(app, 'd'.repeat(40)));

        // Nothing stored: consuming is a no-op, the rest of the step is written.
        const other = unique('app');
        const otherLease = await hold(other);
        await store().commitStep(otherLease, {
          inventory: inventoryFixture(2, other),
          consumedRequestAt: 5_000,
        });
        expect(await store().getInventory(other)).toEqual(inventoryFixture(2, other));
      });
    });

    describe('leases', () => {
      const t0 = 1_700_000_000_000;

      test('a second holder is refused while the lease is held, and the holder cannot take it twice', async () => {
        const app = unique('app');
        const a = await store().acquireLease(app, 'worker-a', 30_000, t0);
        expect(a).toEqual({ app, holder: 'worker-a', token: expect.any(Number), expiresAt: t0 + 30_000 });

        expect(await store().acquireLease(app, 'worker-b', 30_000, t0 + 29_999)).toBeUndefined();
        expect(await store().acquireLease(app, 'worker-a', 30_000, t0 + 1_000)).toBeUndefined();
        expect(await store().acquireLease(unique('other-app'), 'worker-b', 30_000, t0)).toBeDefined();
      });

      // The worker handles a batch's wake-ups concurrently under one holder name: the store alone
      // decides, and two acquisitions in flight together must never both win.
      test('acquisitions sent at the same moment: exactly one wins each time, even under one holder name', async () => {
        const rounds = 60;
        const winners = await Promise.all(
          Array.from({ length: rounds }, async (_, round) => {
            const app = unique(`race-${round}`);
            const taken = await Promise.all(
              Array.from({ length: 6 }, () => store().acquireLease(app, 'worker-a', 30_000, t0)),
            );
            return taken.filter(Boolean).length;
          }),
        );
        expect(winners).toEqual(Array.from({ length: rounds }, () => 1));
      });

      test('an expired lease goes to the next holder with a higher token', async () => {
        const app = unique('app');
        const a = (await store().acquireLease(app, 'worker-a', 30_000, t0))!;
        const b = await store().acquireLease(app, 'worker-b', 30_000, t0 + 30_001);

        expect(b).toEqual({ app, holder: 'worker-b', token: expect.any(Number), expiresAt: t0 + 60_001 });
        expect(b!.token).toBeGreaterThan(a.token);
      });

      test('release lets the next holder in at once with a higher token, and releasing a lost lease changes nothing', async () => {
        const app = unique('app');
        const a = (await store().acquireLease(app, 'worker-a', 30_000, t0))!;
        await store().releaseLease(a);
        const b = (await store().acquireLease(app, 'worker-b', 30_000, t0 + 1))!;
        expect(b.token).toBeGreaterThan(a.token);

        await store().releaseLease(a);
        expect(await store().acquireLease(app, 'worker-c', 30_000, t0 + 2)).toBeUndefined();

        await store().releaseLease(b);
        const a2 = (await store().acquireLease(app, 'worker-a', 30_000, t0 + 3))!;
        expect(a2.token).toBeGreaterThan(b.token);
      });

      test('a stale lease commitStep throws LeaseLostError naming the app and writes nothing', async () => {
        const app = unique('app');
        const a = await hold(app, 'worker-a');
        await store().commitStep(a, {
          status: statusFixture(app, '1'.repeat(40)),
          operation: operationFixture(1, '1'.repeat(40)),
          inventory: inventoryFixture(50, `${app}-1`),
          run: runFixture(app, 1, 10, 4),
        });
        await store().requestSync(app, requestFixture(1_000));
        const before = await snapshot(app);

        // A's lease ran out and B took over (B's clock is past A's expiry).
        const b = await store().acquireLease(app, 'worker-b', 60_000, a.expiresAt + 1);
        expect(b!.token).toBeGreaterThan(a.token);
        const stale: StepCommit = {
          status: statusFixture(app, '2'.repeat(40)),
          operation: null,
          inventory: inventoryFixture(2_000, `${app}-2`),
          run: runFixture(app, 2, 10, 4),
          consumedRequestAt: 1_000,
        };
        const err = await rejection(store().commitStep(a, stale));

        expect(err).toBeInstanceOf(LeaseLostError);
        expect(err.message).toContain(app);
        expect(await snapshot(app)).toEqual(before);

        // The current holder writes the same step.
        await store().commitStep(b!, stale);
        expect(await snapshot(app)).toEqual({
          status: stale.status,
          operation: undefined,
          inventory: stale.inventory,
          runs: [stale.run, ...before.runs],
          request: undefined,
        });
      });

      test('an expired lease cannot commit even when nobody took it over', async () => {
        const app = unique('app');
        const expired = (await store().acquireLease(app, 'worker-a', 60_000, Date.now() - 120_000))!;
        const err = await rejection(
          store().commitStep(expired, { status: statusFixture(app, 'e'.repeat(40)) }),
        );

        expect(err).toBeInstanceOf(LeaseLostError);
        expect(await store().getStatus(app)).toBeUndefined();
      });

      test('a released lease cannot commit', async () => {
        const app = unique('app');
        const lease = await hold(app);
        await store().releaseLease(lease);
        const err = await rejection(store().commitStep(lease, { inventory: inventoryFixture(1, app) }));

        expect(err).toBeInstanceOf(LeaseLostError);
        expect(await store().getInventory(app)).toEqual([]);
      });
    });

    describe('names', () => {
      test('every write refuses an empty name as invalid, naming the kind, and stores nothing', async () => {
        const lease: Lease = { app: '', holder: 'w', token: 1, expiresAt: Date.now() + 60_000 };
        const writes: [string, () => Promise<unknown>][] = [
          ['App', () => store().putApp(appFixture(''))],
          ['Project', () => store().putProject(projectFixture(''))],
          ['Cluster', () => store().putCluster(clusterFixture(''))],
          ['App', () => store().deleteApp('')],
          ['Cluster', () => store().deleteCluster('')],
          [
            'ClusterState',
            () =>
              store().putClusterState({
                name: '',
                status: 'Successful',
                message: '',
                attemptedAt: '',
                server: '',
              }),
          ],
          ['App', () => store().nextRunId('')],
          ['App', () => store().requestSync('', requestFixture(1_000))],
          ['App', () => store().acquireLease('', 'w', 60_000, Date.now())],
          ['App', () => store().commitStep(lease, { inventory: [] })],
          ['Delivery', () => store().recordDelivery('', 60, Date.now())],
          ['Delivery', () => store().forgetDelivery('')],
        ];
        for (const [kind, write] of writes) {
          const err = await rejection(write());
          expect(err).toBeInstanceOf(StateStoreError);
          expect((err as StateStoreError).code).toBe('state:invalid');
          expect(err.message).toBe(`${kind} name must be a non-empty string, got ""`);
        }
        expect(await store().getApp('')).toBeUndefined();
        expect(await store().getProject('')).toBeUndefined();
        expect(await store().getCluster('')).toBeUndefined();
      });
    });

    describe('webhook deliveries', () => {
      test('recordDelivery is true the first time, false for duplicates, and true again once its time is over', async () => {
        const id = unique('delivery');
        const now = 1_767_225_600_000;

        expect(await store().recordDelivery(id, 3_600, now)).toBe(true);
        expect(await store().recordDelivery(id, 3_600, now + 1_000)).toBe(false);
        expect(await store().recordDelivery(id, 3_600, now + 3_599_000)).toBe(false);
        expect(await store().recordDelivery(unique('delivery'), 3_600, now)).toBe(true);
        expect(await store().recordDelivery(id, 3_600, now + 3_601_000)).toBe(true);
        expect(await store().recordDelivery(id, 3_600, now + 3_602_000)).toBe(false);
      });

      test('forgetDelivery makes a delivery new again; forgetting an unknown one does nothing', async () => {
        const id = unique('delivery');
        const now = 1_767_225_600_000;

        expect(await store().recordDelivery(id, 3_600, now)).toBe(true);
        await store().forgetDelivery(id);
        expect(await store().recordDelivery(id, 3_600, now + 1_000)).toBe(true);
        expect(await store().recordDelivery(id, 3_600, now + 2_000)).toBe(false);
        await expect(store().forgetDelivery(unique('never-seen'))).resolves.toBeUndefined();
      });

      test('a claimed delivery is pending until confirmed, then done until its time is over', async () => {
        const id = unique('delivery');
        const now = 1_767_225_600_000;

        expect(await store().claimDelivery(id, 60, now)).toBe('new');
        expect(await store().claimDelivery(id, 60, now + 1_000)).toBe('pending');
        expect(await store().recordDelivery(id, 3_600, now + 1_000)).toBe(false);
        await store().confirmDelivery(id, 3_600, now + 2_000);
        expect(await store().claimDelivery(id, 60, now + 3_000)).toBe('done');
        expect(await store().claimDelivery(id, 60, now + 3_601_000)).toBe('done');
        expect(await store().claimDelivery(id, 60, now + 3_603_000)).toBe('new');
      });

      test('a pending claim nobody confirmed runs out and can be claimed again; a forgotten one at once', async () => {
        const id = unique('delivery');
        const now = 1_767_225_600_000;

        expect(await store().claimDelivery(id, 60, now)).toBe('new');
        expect(await store().claimDelivery(id, 60, now + 59_000)).toBe('pending');
        expect(await store().claimDelivery(id, 60, now + 61_000)).toBe('new');
        await store().forgetDelivery(id);
        expect(await store().claimDelivery(id, 60, now + 62_000)).toBe('new');
        // A delivery recorded whole (recordDelivery) is done for a claim.
        const recorded = unique('delivery');
        expect(await store().recordDelivery(recorded, 3_600, now)).toBe(true);
        expect(await store().claimDelivery(recorded, 60, now + 1_000)).toBe('done');
      });
    });

    describe('drift views', () => {
      /** An app stored with this destination, holding a lease. */
      async function appAt(destination: App['destination']): Promise<{ app: string; lease: Lease }> {
        const app = unique('app');
        await store().putApp({ ...appFixture(app), destination });
        return { app, lease: await hold(app) };
      }
      const viewsOf = async (destination: string, app: string) =>
        (await store().listDriftViews(destination)).filter((v) => v.app === app);

      test("a step files the compared fields of its status and its inventory under the app's destination", async () => {
        const cluster = unique('cluster');
        const { app, lease } = await appAt({ name: cluster, namespace: 'web' });
        const status = statusFixture(app, 'a'.repeat(40));
        status.sync.renderKey = hash(app, 'render');
        const inventory = inventoryFixture(40, app);
        await store().commitStep(lease, { status, inventory, run: runFixture(app, 1, 3) });

        expect(await viewsOf(cluster, app)).toEqual([
          {
            app,
            status: {
              sync: 'Synced',
              revision: 'a'.repeat(40),
              renderKey: hash(app, 'render'),
              health: 'Progressing',
              operation: {
                phase: 'Running',
                startedAt: '2026-03-01T09:59:58.000Z',
                revision: 'a'.repeat(40),
              },
            },
            inventory,
          },
        ]);
        expect(driftStatusOf(status)).toEqual((await viewsOf(cluster, app))[0]!.status);
        // Another cluster, and one whose name starts with this one's, list none of it.
        expect(await viewsOf(unique('cluster'), app)).toEqual([]);
        expect(await viewsOf(`${cluster}#S`, app)).toEqual([]);
        expect(await viewsOf(cluster.slice(0, -1), app)).toEqual([]);
      });

      test('a step of one half keeps the other; a status step after the app moved files the whole view at the new destination', async () => {
        const [from, to] = [unique('cluster'), unique('cluster')];
        const { app, lease } = await appAt({ server: `https://${from}.example.com:6443`, namespace: 'web' });
        const fromKey = `https://${from}.example.com:6443`;
        const inventory = inventoryFixture(12, app);
        await store().commitStep(lease, { status: statusFixture(app, 'a'.repeat(40)), inventory });
        const healthy = { ...statusFixture(app, 'b'.repeat(40)), health: { status: 'Healthy' as const } };
        await store().commitStep(lease, { status: healthy });
        expect(await viewsOf(fromKey, app)).toEqual([{ app, status: driftStatusOf(healthy), inventory }]);

        await store().putApp({ ...appFixture(app), destination: { name: to, namespace: 'web' } });
        const moved = { ...healthy, sync: { ...healthy.sync, status: 'OutOfSync' as const } };
        await store().commitStep(lease, { status: moved });
        expect(await viewsOf(to, app)).toEqual([{ app, status: driftStatusOf(moved), inventory }]);
        expect(await viewsOf(fromKey, app)).toEqual([]);

        const inventory2 = inventoryFixture(3, `${app}-2`);
        await store().commitStep(lease, { inventory: inventory2 });
        expect(await viewsOf(to, app)).toEqual([
          { app, status: driftStatusOf(moved), inventory: inventory2 },
        ]);
      });

      test('an app whose view was never filed (its destination could not be) gets a whole one from its next status step', async () => {
        const cluster = unique('cluster');
        const { app, lease } = await appAt({
          server: `https://${'x'.repeat(1_200)}.example.com`,
          namespace: 'web',
        });
        const inventory = inventoryFixture(7, app);
        await store().commitStep(lease, { status: statusFixture(app, 'a'.repeat(40)), inventory });
        await store().putApp({ ...appFixture(app), destination: { name: cluster, namespace: 'web' } });
        expect(await viewsOf(cluster, app)).toEqual([]);

        const status = statusFixture(app, 'b'.repeat(40));
        await store().commitStep(lease, { status });
        expect(await viewsOf(cluster, app)).toEqual([{ app, status: driftStatusOf(status), inventory }]);
        expect(await store().getInventory(app)).toEqual(inventory);
      });

      test('steps that change neither status nor inventory, and steps of an app with no definition, file nothing', async () => {
        const cluster = unique('cluster');
        const { app, lease } = await appAt({ name: cluster });
        await store().commitStep(lease, {
          run: runFixture(app, 1, 2),
          operation: operationFixture(1, 'c'.repeat(40)),
        });
        expect(await viewsOf(cluster, app)).toEqual([]);

        const orphan = unique('app');
        await store().commitStep(await hold(orphan), { status: statusFixture(orphan, 'd'.repeat(40)) });
        expect(await store().getStatus(orphan)).toEqual(statusFixture(orphan, 'd'.repeat(40)));
        expect(await viewsOf('prod-eu', orphan)).toEqual([]);
      });

      test('a destination a tenant made hostile (quotes, separators, unicode, 2,000 characters) files or skips the view, and the step lands', async () => {
        for (const server of [
          `https://x.example.com/#DRIFT#${unique('evil')}'"; DROP TABLE drift_views; --`,
          `https://ünïcødé.example.com/${'✓'.repeat(20)}`,
          `https://long.example.com/${'a'.repeat(2_000)}`,
        ]) {
          const { app, lease } = await appAt({ server, namespace: 'web' });
          const status = statusFixture(app, 'e'.repeat(40));
          await store().commitStep(lease, { status, inventory: inventoryFixture(2, app) });
          expect(await store().getStatus(app)).toEqual(status);
          const views = await viewsOf(server, app);
          // Kept (under exactly that key) or, for a key no index takes, not kept: never elsewhere.
          if (server.length < 1_000)
            expect(views).toEqual([
              { app, status: driftStatusOf(status), inventory: inventoryFixture(2, app) },
            ]);
          else expect(views).toEqual([]);
          expect(await viewsOf('https://x.example.com/', app)).toEqual([]);
        }
      });

      test('deleteApp removes its views', async () => {
        const cluster = unique('cluster');
        const { app, lease } = await appAt({ name: cluster });
        await store().commitStep(lease, {
          status: statusFixture(app, 'f'.repeat(40)),
          inventory: inventoryFixture(5, app),
        });
        expect(await viewsOf(cluster, app)).toHaveLength(1);
        await store().deleteApp(app);
        expect(await viewsOf(cluster, app)).toEqual([]);
      });
    });

    describe('deleteApp', () => {
      test('removes the app with its status, operation, inventory, runs, request, lease and counter, and nothing of other apps', async () => {
        const app = unique('app');
        const neighbour = `${app}-2`; // a name that extends the deleted one
        const leases = new Map<string, Lease>();
        for (const name of [app, neighbour]) {
          await store().putApp(appFixture(name));
          const lease = await hold(name, `worker-${name}`);
          leases.set(name, lease);
          await store().commitStep(lease, {
            status: statusFixture(name, 'f'.repeat(40)),
            operation: operationFixture(2, 'f'.repeat(40)),
            inventory: inventoryFixture(1_000, name),
            run: runFixture(name, await store().nextRunId(name), 5),
          });
          await store().commitStep(lease, { run: runFixture(name, await store().nextRunId(name), 5) });
          await store().requestSync(name, requestFixture(9_000));
        }
        const neighbourBefore = await snapshot(neighbour);

        await store().deleteApp(app);

        expect(await store().getApp(app)).toBeUndefined();
        expect((await store().listApps()).map((a) => a.name)).not.toContain(app);
        expect(await snapshot(app)).toEqual({
          status: undefined,
          operation: undefined,
          inventory: [],
          runs: [],
          request: undefined,
        });
        expect(
          await rejection(
            store().commitStep(leases.get(app)!, { status: statusFixture(app, '0'.repeat(40)) }),
          ),
        ).toBeInstanceOf(LeaseLostError);
        expect(await store().nextRunId(app)).toBe(1);
        expect(await store().acquireLease(app, 'worker-new', 60_000, Date.now())).toBeDefined();

        expect(await store().getApp(neighbour)).toEqual(appFixture(neighbour));
        expect(await snapshot(neighbour)).toEqual(neighbourBefore);
        expect(await store().nextRunId(neighbour)).toBe(3);
      });
    });
  });
}
