import type { App } from '../../../shared/domain/app.js';
import type { AppStatus } from '../../../shared/domain/status.js';
import type { SecretStore } from '../../../shared/ports/secret-store.js';

/** A repo on the host the GitHub and GitLab stand-ins listen on (statuses go only to the repo's own host). */
export const localRepo = 'http://127.0.0.1/acme/shop.git';

export const sha = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';

export function appWith(
  annotations: Record<string, string>,
  repoURL = 'https://github.com/acme/shop.git',
): App {
  return {
    name: 'shop',
    project: 'default',
    sources: [{ repoURL, targetRevision: 'main', path: 'deploy' }],
    destination: { name: 'dev', namespace: 'shop' },
    syncPolicy: {},
    ignoreDifferences: [],
    revisionHistoryLimit: 10,
    annotations,
  } as App;
}

/** The status of an app at each point of one push: running, finished (Progressing), Healthy. */
export function statusAt(
  point: 'running' | 'finished' | 'healthy' | 'failed' | 'degraded',
  revision = sha,
  runId = 1,
): AppStatus {
  const operation = {
    revision,
    startedAt: '2026-12-01T11:00:00.000Z',
    runId,
    phase: point === 'running' ? 'Running' : point === 'failed' ? 'Failed' : 'Succeeded',
    message: point === 'failed' ? 'Deployment/shop/web apply failed: invalid' : 'successfully synced',
  } as const;
  return {
    app: 'shop',
    sync: { status: point === 'running' || point === 'failed' ? 'OutOfSync' : 'Synced', revision },
    health: {
      status:
        point === 'healthy'
          ? 'Healthy'
          : point === 'degraded'
            ? 'Degraded'
            : point === 'running'
              ? 'Unknown'
              : 'Progressing',
    },
    resources: [],
    operation,
  };
}

export function secretsOf(values: Record<string, string>): SecretStore {
  return { get: async (name) => values[name] };
}
