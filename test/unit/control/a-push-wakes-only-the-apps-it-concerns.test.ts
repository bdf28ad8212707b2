import type { App } from '../../../shared/domain/app.js';
import { jest } from '@jest/globals';
import { openDatabase } from '../../../shared/adapters/local/sqlite-database.js';
import { SqliteStateStore } from '../../../shared/adapters/local/sqlite-state-store.js';
import { appsForPush, indexedAppsForPush } from '../../../shared/control/push-intake.js';
import type { PushEvent } from '../../../shared/webhooks/types.js';

function app(
  name: string,
  source: Partial<App['sources'][number]>,
  annotations: Record<string, string> = {},
): App {
  return {
    name,
    project: 'default',
    sources: [
      { repoURL: 'https://github.com/Acme/Shop.git', path: 'apps/web', targetRevision: 'main', ...source },
    ],
    destination: { name: 'prod', namespace: 'shop' },
    syncPolicy: {},
    ignoreDifferences: [],
    revisionHistoryLimit: 10,
    annotations,
  };
}

const push = (over: Partial<PushEvent> = {}): PushEvent => ({
  provider: 'github',
  deliveryId: 'd1',
  repoUrls: [
    'https://github.com/acme/shop.git',
    'https://github.com/acme/shop',
    'git@github.com:acme/shop.git',
  ],
  branch: 'main',
  sha: 'a'.repeat(40),
  changedFiles: ['apps/web/deployment.yaml'],
  ...over,
});

const names = (apps: App[]) => apps.map((a) => a.name);

describe('matching a push to apps', () => {
  test('matches the same repository however its URL is written (case, .git suffix, trailing slash)', () => {
    const apps = [
      app('a', {}),
      app('b', { repoURL: 'https://github.com/acme/shop/' }),
      app('c', { repoURL: 'https://github.com/acme/other.git' }),
    ];
    expect(names(appsForPush(apps, push()))).toEqual(['a', 'b']);
  });

  test('matches the pushed branch, HEAD and an empty targetRevision, not other branches or charts', () => {
    const apps = [
      app('main', { targetRevision: 'main' }),
      app('ref', { targetRevision: 'refs/heads/main' }),
      app('head', { targetRevision: 'HEAD' }),
      app('empty', { targetRevision: undefined }),
      app('dev', { targetRevision: 'develop' }),
      app('chart', { chart: 'web', targetRevision: '1.2.0' }),
    ];
    expect(names(appsForPush(apps, push()))).toEqual(['main', 'ref', 'head', 'empty']);
  });

  test('honours manifest-generate-paths: relative to the source path, absolute from the repo root, ; separated', () => {
    const key = 'argocd.argoproj.io/manifest-generate-paths';
    const apps = [
      app('here', {}, { [key]: '.' }),
      app('shared', {}, { [key]: '/shared;.' }),
      app('elsewhere', {}, { [key]: '../api' }),
      app('none', {}),
    ];
    expect(names(appsForPush(apps, push({ changedFiles: ['apps/web/values.yaml'] })))).toEqual([
      'here',
      'shared',
      'none',
    ]);
    expect(names(appsForPush(apps, push({ changedFiles: ['shared/base.yaml'] })))).toEqual([
      'shared',
      'none',
    ]);
    expect(names(appsForPush(apps, push({ changedFiles: ['apps/api/x.yaml'] })))).toEqual([
      'elsewhere',
      'none',
    ]);
    // Unknown changed files (a force push, a truncated list): every app of the repo is woken.
    expect(names(appsForPush(apps, push({ changedFiles: undefined })))).toEqual([
      'here',
      'shared',
      'elsewhere',
      'none',
    ]);
  });

  test('ignores an app whose repoURL cannot be parsed instead of failing the whole push', () => {
    expect(names(appsForPush([app('bad', { repoURL: 'not a url' }), app('ok', {})], push()))).toEqual(['ok']);
  });

  test('through the store, a push reads the apps of its repository by index, never every app', async () => {
    const store = new SqliteStateStore(openDatabase(':memory:'));
    await store.putApp(app('a', {}));
    await store.putApp(app('b', { repoURL: 'https://github.com/acme/shop/', path: 'apps/api' }));
    for (let i = 0; i < 30; i++)
      await store.putApp(app(`other-${i}`, { repoURL: `https://github.com/acme/o${i}` }));
    const listApps = jest.spyOn(store, 'listApps');
    const read = jest.spyOn(store, 'getApp');
    expect(names(await indexedAppsForPush(store, push()))).toEqual(['a', 'b']);
    expect(
      names(await indexedAppsForPush(store, push({ repoUrls: ['https://github.com/ACME/o7.git'] }))),
    ).toEqual(['other-7']);
    // A URL that is no repository (an attacker's junk) reads nothing.
    expect(
      await indexedAppsForPush(store, push({ repoUrls: ['ext::sh -c evil', 'https://u:p@x/y'] })),
    ).toEqual([]);
    expect(listApps).not.toHaveBeenCalled();
    expect(read).not.toHaveBeenCalled();
  });
});
