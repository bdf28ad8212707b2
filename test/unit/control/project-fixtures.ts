// Apps and prepared objects for the project-scope tests.
import type { App } from '../../../shared/domain/app.js';
import type { PreparedObject } from '../../../shared/engine/prepare.js';

export function appFixture(over: Partial<App> & { repoURL?: string } = {}): App {
  const { repoURL = 'https://github.com/acme/shop', ...rest } = over;
  return {
    name: 'shop',
    project: 'team',
    sources: [{ repoURL }],
    destination: { name: 'prod', namespace: 'shop' },
    syncPolicy: {},
    ignoreDifferences: [],
    revisionHistoryLimit: 10,
    annotations: {},
    ...rest,
  };
}

export function preparedObject(
  group: string,
  kind: string,
  name: string,
  namespace?: string,
): PreparedObject {
  return {
    object: { apiVersion: group ? `${group}/v1` : 'v1', kind, metadata: { name, namespace } },
    ref: { group, version: 'v1', kind, name, namespace },
    key: `${group}/${kind}/${namespace ?? ''}/${name}`,
    hookTypes: [],
  };
}
