import { jest } from '@jest/globals';
import {
  reconcileChildApps,
  splitChildApps,
  withChildrenHealth,
} from '../../../../shared/control/child-apps.js';
import { application, childAppBed, parentApp, teamProject } from './child-app-bed.js';

describe('child apps of an app of apps', () => {
  test('Applications and AppProjects in the Argo CD namespace are children; anything else is applied', () => {
    const elsewhere = application('elsewhere');
    elsewhere.object.metadata.namespace = 'team-web';
    const config = { object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }, source: 'x' };
    // No namespace: the parent's destination namespace (argocd here) decides.
    const implicit = application('implicit');
    delete implicit.object.metadata.namespace;
    const { objects, children } = splitChildApps(
      [application('web'), elsewhere, config, implicit],
      parentApp,
      'argocd',
    );
    expect(children.applications.map((d) => d.object.metadata.name)).toEqual(['web', 'implicit']);
    expect(objects.map((d) => d.object.metadata.name)).toEqual(['elsewhere', 'x']);
    // The namespace is the installation's choice.
    expect(splitChildApps([application('web')], parentApp, 'gitops').children.applications).toEqual([]);
  });

  test('a child is created owned by its parent, updated only when it changes, and woken each time', async () => {
    const { c, store, woken } = childAppBed();
    const first = await reconcileChildApps(
      c,
      parentApp,
      teamProject,
      { applications: [application('web')], projects: [] },
      { prune: true },
    );
    expect(first).toMatchObject({ created: ['web'], updated: [], problems: [] });
    expect(await store.getApp('web')).toMatchObject({ parent: 'root', project: 'team', finalizers: [] });
    const same = await reconcileChildApps(
      c,
      parentApp,
      teamProject,
      { applications: [application('web')], projects: [] },
      { prune: true },
    );
    expect(same).toMatchObject({ created: [], updated: [] });
    const moved = application('web', {
      source: { repoURL: 'https://git.example.com/team/web', path: 'deploy-v2', targetRevision: 'main' },
    });
    const updated = await reconcileChildApps(
      c,
      parentApp,
      teamProject,
      { applications: [moved], projects: [] },
      { prune: true },
    );
    expect(updated.updated).toEqual(['web']);
    expect((await store.getApp('web'))?.sources[0]?.path).toBe('deploy-v2');
    expect(woken).toEqual(['web', 'web']);
  });

  test('a child gone from Git stays until the parent prunes; then only its record goes without the finalizer', async () => {
    const { c, store } = childAppBed();
    await reconcileChildApps(
      c,
      parentApp,
      teamProject,
      { applications: [application('web')], projects: [] },
      { prune: true },
    );
    const kept = await reconcileChildApps(
      c,
      parentApp,
      teamProject,
      { applications: [], projects: [] },
      { prune: false },
    );
    expect(kept.pending).toEqual([
      'Application/web is no longer in Git; it is deleted when root syncs with prune',
    ]);
    expect(await store.getApp('web')).toBeDefined();
    // Its inventory would be deleted with cascade; without the finalizer nothing on a cluster is touched
    // (this control has no cluster connector at all).
    const pruned = await reconcileChildApps(
      c,
      parentApp,
      teamProject,
      { applications: [], projects: [] },
      { prune: true },
    );
    expect(pruned.deleted).toEqual(['web']);
    expect(await store.getApp('web')).toBeUndefined();
  });

  test("the parent's health is its worst child's, and a child not yet assessed keeps it Progressing", async () => {
    const { c, store } = childAppBed();
    await reconcileChildApps(
      c,
      parentApp,
      teamProject,
      { applications: [application('web'), application('api')], projects: [] },
      { prune: true },
    );
    expect(await withChildrenHealth(c, 'root', { status: 'Healthy' })).toEqual({
      status: 'Progressing',
      message: 'Application/api has not been assessed yet',
    });
    const putHealth = async (app: string, health: { status: 'Healthy' | 'Degraded'; message?: string }) => {
      const lease = (await store.acquireLease(app, 'test', 10_000, Date.now()))!;
      await store.commitStep(lease, { status: { app, sync: { status: 'Synced' }, health, resources: [] } });
      await store.releaseLease(lease);
    };
    await putHealth('web', { status: 'Healthy' });
    await putHealth('api', { status: 'Degraded', message: 'pod crash' });
    expect(await withChildrenHealth(c, 'root', { status: 'Healthy' })).toEqual({
      status: 'Degraded',
      message: 'Application/api is Degraded: pod crash',
    });
  });

  test('an unchanged child, or an app with no children, is reconciled without reading every app', async () => {
    const { c, store } = childAppBed();
    for (let i = 0; i < 50; i++) await store.putApp({ ...parentApp, name: `other-${i}`, parent: undefined });
    const children = { applications: [application('web')], projects: [] };
    await reconcileChildApps(c, parentApp, teamProject, children, { prune: true });
    const listApps = jest.spyOn(store, 'listApps');
    expect(await reconcileChildApps(c, parentApp, teamProject, children, { prune: true })).toMatchObject({
      created: [],
      updated: [],
      deleted: [],
    });
    const childless = { ...parentApp, name: 'leaf' };
    const none = { applications: [], projects: [] };
    expect(await reconcileChildApps(c, childless, teamProject, none, { prune: true })).toMatchObject({
      created: [],
      deleted: [],
    });
    expect(listApps).not.toHaveBeenCalled();
    // A child gone from Git is still found (the links index) and removed.
    expect((await reconcileChildApps(c, parentApp, teamProject, none, { prune: true })).deleted).toEqual([
      'web',
    ]);
  });
});
