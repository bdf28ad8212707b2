// The API function reaches no cluster: a cascade delete asked of it is queued, and the worker
// deletes the app's objects and then the app. Real handlers, moto, the test bed's cluster.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import { parseApplication } from '../../shared/domain/application-manifest.js';
import { TestRepo } from '../support/git.js';
import { githubPush, startControlPlane, type ControlPlane } from '../support/control-plane.js';
import { kubectl, uniqueName } from '../support/testbed.js';

function application(name: string, repo: string, namespace: string) {
  const text = readFileSync(
    fileURLToPath(new URL('../fixtures/e2e/guestbook-application.yaml', import.meta.url)),
    'utf8',
  )
    .replaceAll('$NAMESPACE', namespace)
    .replaceAll('$NAME', name)
    .replaceAll('$REPO', repo);
  return parseApplication(load(text)).app;
}

function apiEvent(method: string, path: string, query = '') {
  return {
    version: '2.0',
    rawPath: path,
    rawQueryString: query,
    headers: { host: 'x.lambda-url.eu-west-1.on.aws' },
    requestContext: {
      http: { method, path, sourceIp: '127.0.0.1' },
      domainName: 'x.lambda-url.eu-west-1.on.aws',
      authorizer: {
        iam: { accountId: '123456789012', userArn: 'arn:aws:sts::123456789012:assumed-role/platform/alice' },
      },
    },
    isBase64Encoded: false,
  };
}

describe('a cascade delete through the API function', () => {
  let cp: ControlPlane;
  let repo: TestRepo;
  let api: (e: unknown) => Promise<{ statusCode: number; body: string }>;
  const app = uniqueName('guestbook-del');
  const ns = uniqueName('e2e-del');
  beforeAll(async () => {
    cp = await startControlPlane();
    repo = await TestRepo.create('guestbook');
    await cp.store.putApp(application(app, repo.url, ns));
    const mod = await import('../../functions/api/handler.js');
    api = (e) => mod.handler(e as never) as never;
  });
  afterAll(async () => {
    cp.dispose();
    repo.dispose();
    await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
  });

  test('is queued by the API and carried out by the worker: objects first, then the app', async () => {
    const sha = await repo.commitFixture('guestbook');
    expect(
      (await cp.webhook(githubPush({ repoUrl: repo.url, sha, secret: cp.webhookSecret }))).statusCode,
    ).toBe(202);
    await cp.drain({
      until: async () => (await cp.store.getStatus(app))?.operation?.phase === 'Succeeded',
    });
    await kubectl(['get', 'configmap', '-n', ns, 'guestbook-config']);

    const res = await api(
      apiEvent('DELETE', `/api/v1/apps/${app}`, 'cascade=true&propagationPolicy=background'),
    );
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ deleted: [], kept: [], queued: true });
    // Nothing deleted yet: the API has no way to reach the cluster.
    expect(await cp.store.getApp(app)).toBeDefined();

    await cp.drain({ until: async () => (await cp.store.getApp(app)) === undefined });
    const left = await kubectl(['get', 'configmap,deployment', '-n', ns, '-o', 'name', '--ignore-not-found']);
    // (kube-root-ca.crt is the cluster's own, never the app's.)
    expect(left.split('\n').filter((n) => n.includes('guestbook'))).toEqual([]);
  });

  test('a delete without cascade runs in the API (store only) and answers at once', async () => {
    const other = uniqueName('guestbook-plain');
    await cp.store.putApp(application(other, repo.url, ns));
    const res = await api(apiEvent('DELETE', `/api/v1/apps/${other}`, 'cascade=false'));
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ deleted: [], kept: [] });
    expect(await cp.store.getApp(other)).toBeUndefined();
  });
});
