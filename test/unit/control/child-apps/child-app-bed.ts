// A store and control for the child-app tests: SQLite in memory, a queue that records wake-ups.
import { openDatabase } from '../../../../shared/adapters/local/sqlite-database.js';
import { SqliteStateStore } from '../../../../shared/adapters/local/sqlite-state-store.js';
import { controlOf, type Control } from '../../../../shared/control/deps.js';
import type { App, Project } from '../../../../shared/domain/app.js';
import type { KubeObject } from '../../../../shared/domain/kube-object.js';
import type { DesiredObject } from '../../../../shared/engine/prepare.js';
import { systemClock } from '../../../../shared/ports/clock.js';
import { silentLogger } from '../../../../shared/ports/logger.js';

export function childAppBed(): { c: Control; store: SqliteStateStore; woken: string[] } {
  const store = new SqliteStateStore(openDatabase(':memory:'));
  const woken: string[] = [];
  const c = controlOf({
    store,
    queue: { send: async (job) => void woken.push(job.app) } as Control['queue'],
    connector: {} as Control['connector'],
    renderer: {} as Control['renderer'],
    credentials: async () => undefined,
    clock: systemClock,
    log: silentLogger,
    holder: 'test',
  });
  return { c, store, woken };
}

export const teamProject: Project = {
  name: 'team',
  sourceRepos: ['https://git.example.com/team/*', '!https://git.example.com/team/secret'],
  destinations: [{ name: 'prod', namespace: 'team-*' }],
  clusterResourceWhitelist: [],
};

export const parentApp: App = {
  name: 'root',
  project: 'team',
  sources: [{ repoURL: 'https://git.example.com/team/apps', path: 'apps', targetRevision: 'main' }],
  destination: { name: 'prod', namespace: 'argocd' },
  syncPolicy: {},
  ignoreDifferences: [],
  revisionHistoryLimit: 10,
  annotations: {},
};

export function application(
  name: string,
  over: Record<string, unknown> = {},
  finalizers?: string[],
): DesiredObject {
  const object = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: 'argocd', ...(finalizers ? { finalizers } : {}) },
    spec: {
      project: 'team',
      source: { repoURL: 'https://git.example.com/team/web', path: 'deploy', targetRevision: 'main' },
      destination: { name: 'prod', namespace: 'team-web' },
      ...over,
    },
  } as unknown as KubeObject;
  return { object, source: `apps/${name}.yaml#1` };
}

export function appProject(name: string, spec: Record<string, unknown>): DesiredObject {
  const object = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: { name, namespace: 'argocd' },
    spec,
  } as unknown as KubeObject;
  return { object, source: `apps/${name}.yaml#1` };
}
