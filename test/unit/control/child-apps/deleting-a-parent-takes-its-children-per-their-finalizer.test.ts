import { reconcileChildApps } from '../../../../shared/control/child-apps.js';
import { deleteApp } from '../../../../shared/control/delete-app.js';
import { application, childAppBed, parentApp, teamProject } from './child-app-bed.js';

describe('deleting an app of apps', () => {
  test('with cascade, its children go too; without, they stay', async () => {
    const { c, store } = childAppBed();
    await store.putApp(parentApp);
    const children = { applications: [application('web'), application('api')], projects: [] };
    await reconcileChildApps(c, parentApp, teamProject, children, { prune: true });

    const result = await deleteApp(c, 'root', { cascade: true, propagationPolicy: 'Foreground' });
    // No child has the resources finalizer and no inventory: only the app records go.
    expect(result.deleted).toEqual(['Application/api', 'Application/web']);
    expect(await store.listApps()).toEqual([]);

    await store.putApp(parentApp);
    await reconcileChildApps(c, parentApp, teamProject, children, { prune: true });
    await deleteApp(c, 'root', { cascade: false, propagationPolicy: 'Orphan' });
    expect((await store.listApps()).map((a) => a.name).sort()).toEqual(['api', 'web']);
  });
});
