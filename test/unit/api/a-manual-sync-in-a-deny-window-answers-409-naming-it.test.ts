import type { App } from '../../../shared/domain/app.js';
import { parseAppProject } from '../../../shared/domain/application-manifest.js';
import { startApiBed, type ApiBed } from './api-bed.js';

// A deny window without manualSync refuses manual syncs at the API, naming the window and when it
// ends; with manualSync, or outside the window, the sync is requested.
let now = Date.parse('2026-12-01T09:10:00Z');
let bed: ApiBed;
const app: App = {
  name: 'shop',
  project: 'team',
  sources: [{ repoURL: 'https://github.com/acme/shop', path: 'deploy' }],
  destination: { name: 'prod', namespace: 'shop' },
  syncPolicy: {},
  ignoreDifferences: [],
  revisionHistoryLimit: 10,
  annotations: {},
};
const project = (manualSync: boolean) =>
  parseAppProject({
    kind: 'AppProject',
    metadata: { name: 'team' },
    spec: {
      sourceRepos: ['*'],
      destinations: [{ name: 'prod', namespace: '*' }],
      syncWindows: [
        { kind: 'deny', schedule: '0 9 * * *', duration: '1h', namespaces: ['shop'], manualSync },
      ],
    },
  });

beforeEach(async () => {
  bed = startApiBed({ now: () => now });
  await bed.store.putApp(app);
});
afterEach(() => bed.close());

test('inside the window: 409 problem naming the window; nothing is requested', async () => {
  await bed.store.putProject(project(false));
  now = Date.parse('2026-12-01T09:10:00Z');
  const res = await bed.call('POST', '/api/v1/apps/shop/sync', {});
  expect(res.status).toBe(409);
  expect(res.body.detail).toBe(
    'Application/shop: sync window closed until 2026-12-01T10:00:00.000Z: deny window "0 9 * * *" for 1h (UTC)',
  );
  expect(await bed.store.getSyncRequest('shop')).toBeUndefined();
});

test('with manualSync, or once the window ends, the sync is requested', async () => {
  await bed.store.putProject(project(true));
  now = Date.parse('2026-12-01T09:10:00Z');
  expect((await bed.call('POST', '/api/v1/apps/shop/sync', {})).status).toBe(202);
  await bed.store.putProject(project(false));
  now = Date.parse('2026-12-01T10:00:00Z');
  expect((await bed.call('POST', '/api/v1/apps/shop/sync', {})).status).toBe(202);
});
