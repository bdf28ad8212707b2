import { reconcileChildApps } from '../../../../shared/control/child-apps.js';
import type { DesiredObject } from '../../../../shared/engine/prepare.js';
import { application, childAppBed, parentApp, teamProject } from './child-app-bed.js';

// Dependencies (depends-on, promote-after) among an app of apps' children, or between a child and
// any other app, are checked as an API save is: the child that would close a cycle is refused,
// naming the cycle, and the others are registered.
const annotated = (name: string, annotations: Record<string, string>): DesiredObject => {
  const d = application(name);
  (d.object.metadata as { annotations?: Record<string, string> }).annotations = annotations;
  return d;
};

test('children depending on each other in a ring: the one closing it is refused, naming the ring', async () => {
  const { c, store } = childAppBed();
  const out = await reconcileChildApps(
    c,
    parentApp,
    teamProject,
    {
      projects: [],
      applications: [
        annotated('web', { 'gitferry.dev/depends-on': 'db' }),
        annotated('db', { 'gitferry.dev/depends-on': 'cache' }),
        annotated('cache', { 'gitferry.dev/promote-after': 'web' }),
      ],
    },
    { prune: true },
  );
  expect(out.problems).toEqual([
    'Application/cache: gitferry.dev/promote-after would make a cycle: cache → web → db → cache; refused',
  ]);
  expect((await store.listApps()).map((a) => a.name).sort()).toEqual(['db', 'web']);
});

test('a child closing a cycle through an app outside the parent is refused too', async () => {
  const { c, store } = childAppBed();
  await store.putApp({
    ...parentApp,
    name: 'billing',
    parent: undefined,
    annotations: { 'gitferry.dev/depends-on': 'web' },
  });
  const out = await reconcileChildApps(
    c,
    parentApp,
    teamProject,
    { projects: [], applications: [annotated('web', { 'gitferry.dev/depends-on': 'billing' })] },
    { prune: true },
  );
  expect(out.problems).toEqual([
    'Application/web: gitferry.dev/depends-on would make a cycle: web → billing → web; refused',
  ]);
  expect(await store.getApp('web')).toBeUndefined();
});
