import Database from 'better-sqlite3';
import { sqliteMigrations } from '../../../../shared/adapters/local/sqlite-database.js';
import { SqliteStateStore } from '../../../../shared/adapters/local/sqlite-state-store.js';
import type { App } from '../../../../shared/domain/app.js';
import { repoLinkTarget } from '../../../../shared/domain/app-links.js';
import { tempDatabase, type TempDatabase } from './local-bed.js';

// A file written by the build before the app links index (schema 4) holds apps with parents,
// dependencies and stages; opening it with this build indexes them once, and an app that cannot
// be read does not stop the file from opening.
const app = (name: string, extra: Partial<App> = {}): App => ({
  name,
  project: 'default',
  sources: [{ repoURL: 'https://git.example.com/web.git', targetRevision: 'main' }],
  destination: { name: 'prod', namespace: name },
  syncPolicy: {},
  ignoreDifferences: [],
  revisionHistoryLimit: 10,
  annotations: {},
  ...extra,
});

describe('a file from before the app links index', () => {
  let bed: TempDatabase;
  beforeEach(() => (bed = tempDatabase()));
  afterEach(() => bed.remove());

  test('is indexed when opened: children, dependants and stages are found, a broken app is skipped', async () => {
    const old = new Database(bed.file);
    for (const sql of sqliteMigrations.slice(0, 4)) old.exec(sql);
    old.pragma('user_version = 4');
    const put = old.prepare('INSERT INTO apps (name, doc) VALUES (?, ?)');
    put.run('child', JSON.stringify(app('child', { parent: 'root' })));
    put.run('api', JSON.stringify(app('api', { annotations: { 'gitferry.dev/depends-on': 'db' } })));
    put.run(
      'prod',
      JSON.stringify(app('prod', { annotations: { 'gitferry.dev/promote-after': 'staging' } })),
    );
    put.run('broken', '{not json');
    old.close();

    const store = new SqliteStateStore(bed.open());
    expect((await store.listLinkedApps('parent', 'root')).map((a) => a.name)).toEqual(['child']);
    expect((await store.listLinkedApps('dependsOn', 'db')).map((a) => a.name)).toEqual(['api']);
    expect((await store.listLinkedApps('promoteAfter', 'staging')).map((a) => a.name)).toEqual(['prod']);
    await expect(store.getApp('broken')).rejects.toThrow(/App\/broken/);
  });

  test('a file indexed before repository links gets them when opened', async () => {
    const first = new SqliteStateStore(bed.open());
    await first.putApp(app('web'));
    // As the build before repository links left it: links indexed, none of them a repository.
    const db = bed.open();
    db.prepare("DELETE FROM app_links WHERE link = 'repo'").run();
    db.prepare("DELETE FROM sequences WHERE name = 'app-links-filled-2'").run();
    db.prepare("INSERT OR IGNORE INTO sequences (name, value) VALUES ('app-links-filled', 1)").run();
    expect(db.prepare("SELECT count(*) AS n FROM app_links WHERE link = 'repo'").get()).toEqual({ n: 0 });
    const store = new SqliteStateStore(bed.open());
    const target = repoLinkTarget('https://git.example.com/web.git')!;
    expect((await store.listLinkedApps('repo', target)).map((a) => a.name)).toEqual(['web']);
  });
});
