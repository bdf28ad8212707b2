// What Git says an app should be: the revision to deploy, and its objects rendered for the
// target cluster.
import { createHash } from 'node:crypto';
import type { App } from '../domain/app.js';
import type { DesiredObject } from '../engine/prepare.js';
import type { ResourceManager } from '../engine/resource-manager.js';
import type { SyncRequest } from '../ports/state-store.js';
import { resolveRevision } from '../source/git.js';
import { chartRevisionOf } from '../source/helm-repository.js';
import { splitChildApps, type ChildManifests } from './child-apps.js';
import type { Control } from './deps.js';
import { promotionFactsOf, stageRevision } from './promotion.js';

/** The revision to deploy: a rollback pin, a manual revision, else each source's branch head now. */
export async function resolveAppRevision(
  c: Control,
  app: App,
  request: SyncRequest | undefined,
): Promise<string> {
  if (app.pinnedRevision) return app.pinnedRevision;
  if (request?.reason === 'manual' && request.revision) return request.revision;
  // A stage of a staged rollout follows its previous stage, not its branch head (promotion.ts).
  const promotion = await promotionFactsOf(c, app);
  if (promotion) return stageRevision(c, app, promotion);
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

/** The objects to apply (child Applications and AppProjects left out: they are not applied). */
export async function renderDesired(
  c: Control,
  app: App,
  revision: string,
  rm: ResourceManager,
): Promise<DesiredObject[]> {
  return (await renderDesiredWithChildren(c, app, revision, rm)).objects;
}

/**
 * Renders the app at revision for the cluster behind rm (its version and the APIs it serves), with
 * the Applications and AppProjects addressed to the Argo CD namespace set apart as children.
 */
export async function renderDesiredWithChildren(
  c: Control,
  app: App,
  revision: string,
  rm: ResourceManager,
): Promise<{ objects: DesiredObject[]; children: ChildManifests; hasChildren: boolean }> {
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
  const { objects, children } = splitChildApps(result.objects, app, c.o.argoNamespace);
  return { objects, children, hasChildren: children.applications.length + children.projects.length > 0 };
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
