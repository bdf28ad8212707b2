import { openDatabase } from '../../../shared/adapters/local/sqlite-database.js';
import { SqliteStateStore } from '../../../shared/adapters/local/sqlite-state-store.js';
import type { App } from '../../../shared/domain/app.js';
import { AppCatalog } from '../../../shared/runtime/app-catalog.js';
import type { PushEvent } from '../../../shared/webhooks/types.js';

const app = (name: string, repoURL: string, targetRevision = 'main'): App => ({
  name,
  project: 'default',
  sources: [{ repoURL, path: 'deploy', targetRevision }],
  destination: { name: 'prod', namespace: name },
  syncPolicy: {},
  ignoreDifferences: [],
  revisionHistoryLimit: 10,
  annotations: {},
});

const push = (url: string, branch = 'main'): PushEvent => ({
  provider: 'github',
  deliveryId: 'd-1',
  repoUrls: [url],
  branch,
  sha: 'a'.repeat(40),
  changedFiles: undefined,
});

describe('the app catalog', () => {
  test('lists every app sorted and finds a push’s apps by repository, as stored after each put and delete', async () => {
    const db = openDatabase(':memory:');
    const catalog = new AppCatalog();
    const store = catalog.watch(new SqliteStateStore(db));
    await store.putApp(app('web', 'https://github.com/Acme/Shop.git'));
    await store.putApp(app('api', 'https://github.com/acme/shop'));
    await store.putApp(app('docs', 'https://github.com/acme/docs.git'));
    expect((await catalog.list()).map((a) => a.name)).toEqual(['api', 'docs', 'web']);
    expect((await catalog.forPush(push('https://github.com/acme/shop.git'))).map((a) => a.name)).toEqual([
      'api',
      'web',
    ]);
    expect(await catalog.forPush(push('https://github.com/acme/shop.git', 'dev'))).toEqual([]);

    // A write is seen by the next read: moved to another repository, created, deleted.
    await store.putApp(app('web', 'https://github.com/acme/docs.git'));
    await store.putApp(app('blog', 'https://github.com/acme/shop.git'));
    await store.deleteApp('api');
    expect((await catalog.list()).map((a) => a.name)).toEqual(['blog', 'docs', 'web']);
    expect((await catalog.forPush(push('https://github.com/acme/shop'))).map((a) => a.name)).toEqual([
      'blog',
    ]);
    expect((await catalog.forPush(push('https://github.com/acme/docs'))).map((a) => a.name)).toEqual([
      'docs',
      'web',
    ]);
    db.close();
  });

  test('a list read that overlapped a write is not kept: the next read sees the write', async () => {
    const db = openDatabase(':memory:');
    let release: (() => void) | undefined;
    class SlowList extends SqliteStateStore {
      override async listApps(): Promise<App[]> {
        const apps = await super.listApps(); // read before the put below…
        if (release === undefined) await new Promise<void>((r) => (release = r)); // …answered after it
        return apps;
      }
    }
    const catalog = new AppCatalog();
    const store = catalog.watch(new SlowList(db));
    await store.putApp(app('one', 'https://github.com/acme/one'));
    const during = catalog.list();
    await new Promise((r) => setTimeout(r, 10));
    await store.putApp(app('two', 'https://github.com/acme/two'));
    release!();
    expect((await during).map((a) => a.name)).toEqual(['one']);
    expect((await catalog.list()).map((a) => a.name)).toEqual(['one', 'two']);
    db.close();
  });
});
