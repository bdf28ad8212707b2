// What Git says an app should be: the revision to deploy, and its objects rendered for the
// target cluster.
import { createHash } from 'node:crypto';
import type { App } from '../domain/app.js';
import type { DesiredObject } from '../engine/prepare.js';
import type { ResourceManager } from '../engine/resource-manager.js';
import type { SyncJob } from '../domain/sync-job.js';
import type { SyncRequest } from '../ports/state-store.js';
import { resolveRevision } from '../source/git.js';
import { chartRevisionOf } from '../source/chart-revision.js';
import { splitChildApps, type ChildManifests } from './child-apps.js';
import type { Control } from './deps.js';
import { promotionFactsOf, stageRevision } from './promotion.js';

/**
 * The revision to deploy: a rollback pin, a manual revision, else each source's branch head now.
 * Heads come from the process's shared head cache, never from a lookup older than the pending
 * request (a push, a manual sync or refresh) or, without one, than a wake-up that asks for the
 * newest head (a poll that saw it move): a cached head never hides a push.
 */
export async function resolveAppRevision(
  c: Control,
  app: App,
  request: SyncRequest | undefined,
  job?: SyncJob,
): Promise<string> {
  if (app.pinnedRevision) return app.pinnedRevision;
  if (request?.reason === 'manual' && request.revision) return request.revision;
  // A stage of a staged rollout follows its previous stage, not its branch head (promotion.ts).
  const promotion = await promotionFactsOf(c, app);
  if (promotion) return stageRevision(c, app, promotion);
  const notBefore =
    request?.requestedAt ?? (job && headSeekingReasons.has(job.reason) ? job.requestedAt : undefined);
  const revision = await branchHeadsOf(c, app, notBefore);
  // A pushed commit that is not the head: superseded, or a cached head from before the push
  // (another process's clock, slightly ahead): looked up again at once before saying so.
  if (request?.reason === 'webhook' && request.revision && !revision.split(' ').includes(request.revision))
    return branchHeadsOf(c, app, Number.POSITIVE_INFINITY);
  return revision;
}

/** Wake-ups sent because a head moved or was asked for: they want a head seen after they were sent. */
const headSeekingReasons = new Set<SyncJob['reason']>(['webhook', 'poll', 'manual', 'refresh']);

async function branchHeadsOf(c: Control, app: App, notBefore: number | undefined): Promise<string> {
  const revisions = await Promise.all(
    app.sources.map(async (s) => {
      if (s.chart) return chartRevisionOf(s.targetRevision);
      const http = { credentials: await c.credentials(s.repoURL), guard: c.o.guard };
      // Renderers built without a head cache (unit tests' stand-ins) ask the server each time.
      return c.renderer.heads
        ? c.renderer.heads.resolve(s.repoURL, s.targetRevision, http, notBefore)
        : resolveRevision(s.repoURL, s.targetRevision, http);
    }),
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
