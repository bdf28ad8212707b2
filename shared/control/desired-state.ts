// What Git says an app should be: the revision to deploy, and its objects rendered for the
// target cluster.
import { createHash } from 'node:crypto';
import type { App } from '../domain/app.js';
import type { DesiredObject } from '../engine/prepare.js';
import type { ResourceManager } from '../engine/resource-manager.js';
import type { SyncRequest } from '../ports/state-store.js';
import { resolveRevision } from '../source/git.js';
import { chartRevisionOf } from '../source/helm-repository.js';
import type { Control } from './deps.js';

/** The revision to deploy: a rollback pin, a manual revision, else each source's branch head now. */
export async function resolveAppRevision(
  c: Control,
  app: App,
  request: SyncRequest | undefined,
): Promise<string> {
  if (app.pinnedRevision) return app.pinnedRevision;
  if (request?.reason === 'manual' && request.revision) return request.revision;
  const revisions = await Promise.all(
    app.sources.map(async (s) =>
      s.chart
        ? chartRevisionOf(s.targetRevision)
        : resolveRevision(s.repoURL, s.targetRevision, {
            credentials: await c.credentials(s.repoURL),
            guard: c.o.guard,
          }),
    ),
  );
  return revisions.join(' ');
}

/** Renders the app at revision for the cluster behind rm: its version and the APIs it serves. */
export async function renderDesired(
  c: Control,
  app: App,
  revision: string,
  rm: ResourceManager,
): Promise<DesiredObject[]> {
  const [version, apiVersions] = await Promise.all([
    rm.discovery.serverVersion(),
    rm.discovery.apiVersions(),
  ]);
  const result = await c.renderer.render({
    appName: app.name,
    namespace: app.destination.namespace ?? 'default',
    sources: app.sources,
    revisions: revision.split(' '),
    kubeVersion: version.gitVersion,
    apiVersions,
    credentials: c.credentials,
  });
  return result.objects;
}

/**
 * A digest of what a render of app at revision depends on in the app's spec (and of what a
 * comparison ignores): equal keys, equal desired objects, as long as the cluster serves the same
 * APIs. Recorded in the status by syncs and refreshes; the drift check renders nothing while the
 * key it computes equals the recorded one.
 */
export function renderKeyOf(app: App, revision: string): string {
  return createHash('sha256')
    .update(JSON.stringify([app.name, app.sources, app.destination, app.ignoreDifferences ?? [], revision]))
    .digest('base64url');
}
