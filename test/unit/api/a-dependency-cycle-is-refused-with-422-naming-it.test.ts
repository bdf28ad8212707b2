import { startApiBed, type ApiBed } from './api-bed.js';

// Saving an app whose gitferry.dev/depends-on closes a cycle is refused (422) naming the cycle,
// and nothing is stored.
let bed: ApiBed;
const application = (name: string, dependsOn?: string) => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: { name, ...(dependsOn ? { annotations: { 'gitferry.dev/depends-on': dependsOn } } : {}) },
  spec: {
    source: { repoURL: 'https://github.com/acme/shop', path: name },
    destination: { name: 'prod', namespace: name },
  },
});

beforeEach(() => {
  bed = startApiBed();
});
afterEach(() => bed.close());

test('a → b → c, then c → a: 422 naming c → a → b → c; c is stored unchanged', async () => {
  expect((await bed.call('POST', '/api/v1/apps', application('a', 'b'))).status).toBe(201);
  expect((await bed.call('POST', '/api/v1/apps', application('b', 'c'))).status).toBe(201);
  expect((await bed.call('POST', '/api/v1/apps', application('c'))).status).toBe(201);

  const res = await bed.call('POST', '/api/v1/apps?upsert=true', application('c', 'a'));
  expect(res.status).toBe(422);
  expect(res.body.detail).toBe('Application/c: gitferry.dev/depends-on would make a cycle: c → a → b → c');
  expect((await bed.store.getApp('c'))?.annotations).toEqual({});
});

test('an invalid depends-on is refused with 422 naming the annotation', async () => {
  const res = await bed.call('POST', '/api/v1/apps', application('a', 'b;curl evil'));
  expect(res.status).toBe(422);
  expect(res.body.detail).toContain('metadata.annotations["gitferry.dev/depends-on"]');
  expect(await bed.store.getApp('a')).toBeUndefined();
});
