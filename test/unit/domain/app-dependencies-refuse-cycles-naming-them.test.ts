import type { App } from '../../../shared/domain/app.js';
import {
  dependencyCycle,
  dependsOn,
  dependsOnProblem,
  notReadyBecause,
} from '../../../shared/domain/app-dependencies.js';
import { parseApplication } from '../../../shared/domain/application-manifest.js';
import type { AppStatus } from '../../../shared/domain/status.js';

const app = (name: string, deps?: string): App => ({
  name,
  project: 'default',
  sources: [{ repoURL: 'https://github.com/acme/shop', path: name }],
  destination: { name: 'prod', namespace: name },
  syncPolicy: {},
  ignoreDifferences: [],
  revisionHistoryLimit: 10,
  annotations: deps === undefined ? {} : { 'gitferry.dev/depends-on': deps },
});
const status = (over: Partial<AppStatus> = {}): AppStatus => ({
  app: 'db',
  sync: { status: 'Synced', revision: 'a'.repeat(40) },
  health: { status: 'Healthy' },
  resources: [],
  ...over,
});

describe('dependsOn', () => {
  test('names are read, trimmed and deduplicated', () => {
    expect(dependsOn(app('web', ' db, cache ,db'))).toEqual(['db', 'cache']);
    expect(dependsOn(app('web'))).toEqual([]);
  });

  test.each([
    ['db,,cache', '"" is not an app name'],
    ['db;rm -rf /', '"db;rm -rf /" is not an app name'],
    ['--kubeconfig=/etc/passwd', 'is not an app name'],
    ['Web', '"Web" is not an app name'],
    ['web', 'an app cannot depend on itself'],
    [Array.from({ length: 21 }, (_, i) => `a${i}`).join(','), 'names more than 20 apps'],
    ['a'.repeat(6000), 'must be a comma-separated list of app names'],
  ])('an attacker value %j is refused naming the annotation', (value, message) => {
    expect(dependsOnProblem('web', { 'gitferry.dev/depends-on': value })).toContain(message);
    const doc = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'web', annotations: { 'gitferry.dev/depends-on': value } },
      spec: {
        source: { repoURL: 'https://github.com/acme/shop', path: 'web' },
        destination: { name: 'prod', namespace: 'web' },
      },
    };
    expect(() => parseApplication(doc)).toThrow(
      'Application/web: metadata.annotations["gitferry.dev/depends-on"]',
    );
  });
});

describe('dependency cycles', () => {
  test('a save that closes a cycle is named from the saved app round', () => {
    const stored = [app('a', 'b'), app('b', 'c'), app('c')];
    expect(dependencyCycle(app('c', 'a'), stored)).toEqual(['c', 'a', 'b', 'c']);
    expect(dependencyCycle(app('c', 'd'), stored)).toBeUndefined();
  });

  test('a diamond is no cycle; a cycle elsewhere not through the saved app is not its fault', () => {
    const stored = [app('b', 'd'), app('c', 'd'), app('d'), app('x', 'y'), app('y', 'x')];
    expect(dependencyCycle(app('a', 'b,c'), stored)).toBeUndefined();
  });

  test('a long chain is walked without recursion trouble', () => {
    const stored = Array.from({ length: 2000 }, (_, i) => app(`n${i}`, i < 1999 ? `n${i + 1}` : undefined));
    expect(dependencyCycle(app('n1999', 'n0'), stored)?.length).toBe(2001);
  });
});

describe('a dependency is ready', () => {
  test.each<[string, AppStatus | undefined, boolean, boolean, string | undefined]>([
    ['Synced and Healthy, at rest', status(), true, false, undefined],
    ['missing', undefined, false, false, 'it does not exist'],
    ['never compared', undefined, true, false, 'it has not been compared yet'],
    ['OutOfSync', status({ sync: { status: 'OutOfSync' } }), true, false, 'it is OutOfSync and Healthy'],
    [
      'Progressing',
      status({ health: { status: 'Progressing' } }),
      true,
      false,
      'it is Synced and Progressing',
    ],
    [
      'syncing',
      status({ operation: { phase: 'Running', startedAt: 'x' } }),
      true,
      false,
      'its sync is running',
    ],
    ['with a push waiting', status(), true, true, 'a push or sync for it is waiting'],
  ])('%s', (_name, s, exists, pending, expected) => {
    expect(notReadyBecause(s, exists, pending)).toBe(expected);
  });
});
