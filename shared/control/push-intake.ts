import { wakeUpGroup } from '../domain/sync-job.js';
import { posix } from 'node:path';
import type { App } from '../domain/app.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { StateStore } from '../ports/state-store.js';
import { repoMatchKey } from '../domain/repo-url.js';
import { repoLinkTarget } from '../domain/app-links.js';
import type { PushEvent } from '../webhooks/types.js';
import { oncePerDelivery, type DeliveryClaimDeps } from './delivery-claim.js';

export const manifestGeneratePathsAnnotation = 'argocd.argoproj.io/manifest-generate-paths';

/** Does a push to `branch` concern this source's targetRevision? HEAD/empty follow any push (the worker resolves HEAD). */
export function branchMatches(targetRevision: string | undefined, branch: string): boolean {
  const rev = (targetRevision ?? '').trim();
  if (rev === '' || rev === 'HEAD') return true;
  return rev === branch || rev === `refs/heads/${branch}`;
}

/**
 * Argo CD's manifest-generate-paths: `;`-separated paths, relative to the source path (`.` = it)
 * or from the repo root when absolute. A push touching none of them does not concern the app.
 */
export function touchesPaths(
  app: App,
  sourcePath: string | undefined,
  changed: string[] | undefined,
): boolean {
  const annotation = app.annotations[manifestGeneratePathsAnnotation];
  if (!annotation || !changed) return true;
  const roots = annotation
    .split(';')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) =>
      p.startsWith('/') ? posix.normalize(p.slice(1)) : posix.normalize(posix.join(sourcePath ?? '', p)),
    )
    .map((p) => (p === '.' ? '' : p.replace(/\/+$/, '')));
  return changed.some((f) => roots.some((r) => r === '' || f === r || f.startsWith(`${r}/`)));
}

/**
 * The apps a push concerns: same repository, matching branch, touched paths. Repositories compare
 * by repoMatchKey (host and path case-insensitive, `.git` optional), so `https://github.com/Org/Repo.git`
 * in an app matches a push reporting `https://github.com/org/repo`. A URL in the push or an app that
 * is not canonical-able (ssh, userinfo, dot segments…) matches nothing.
 */
export function appsForPush(apps: App[], event: PushEvent): App[] {
  const urls = new Set(
    event.repoUrls.flatMap((u) => {
      try {
        return [repoMatchKey(u)];
      } catch {
        return [];
      }
    }),
  );
  return apps.filter((app) =>
    app.sources.some((s) => {
      if (s.chart) return false;
      let url: string;
      try {
        url = repoMatchKey(s.repoURL);
      } catch {
        return false;
      }
      return (
        urls.has(url) &&
        branchMatches(s.targetRevision, event.branch) &&
        touchesPaths(app, s.path, event.changedFiles)
      );
    }),
  );
}

/**
 * The apps a push concerns, found through the store's `repo` links (one indexed read per
 * repository the push names, not every app), then checked as appsForPush checks.
 */
export async function indexedAppsForPush(
  store: Pick<StateStore, 'listLinkedApps'>,
  event: PushEvent,
): Promise<App[]> {
  return appsForPush(await appsOfRepos(store, event.repoUrls), event);
}

/** The apps with a Git source in any of these repositories (by the store's `repo` links), each once. */
export async function appsOfRepos(
  store: Pick<StateStore, 'listLinkedApps'>,
  repoUrls: readonly string[],
): Promise<App[]> {
  const targets = new Set(repoUrls.map(repoLinkTarget).filter((t): t is string => t !== undefined));
  const found = new Map<string, App>();
  for (const target of targets)
    for (const app of await store.listLinkedApps('repo', target)) found.set(app.name, app);
  return [...found.values()];
}

export interface IntakeResult {
  enqueued: string[];
  duplicate: boolean;
}

/** The store calls a push intake makes. */
export type IntakeStore = Pick<
  StateStore,
  'listLinkedApps' | 'requestSync' | 'claimDelivery' | 'confirmDelivery' | 'forgetDelivery'
>;

export { DeliveryPendingError, defaultIntakeOptions } from './delivery-claim.js';

/**
 * Turns a verified push into wake-ups: each concerned app records the pushed revision as wanted
 * (newest wins) and gets a wake-up. The delivery is taken once (oncePerDelivery): claimed before
 * any other work, done once every wake-up was sent, forgotten if one could not be.
 */
export async function intakePush(
  event: PushEvent,
  deps: DeliveryClaimDeps & {
    store: IntakeStore;
    queue: JobQueue;
    /** The apps a push concerns (an in-memory catalog); default: indexedAppsForPush on the store. */
    appsFor?: (event: PushEvent) => Promise<App[]>;
  },
): Promise<IntakeResult> {
  const fields = { deliveryId: event.deliveryId, revision: event.sha, branch: event.branch };
  const taken = await oncePerDelivery(deps, event, fields, async () => {
    const requestedAt = deps.now();
    const apps = deps.appsFor ? await deps.appsFor(event) : await indexedAppsForPush(deps.store, event);
    await Promise.all(
      apps.map(async (app) => {
        await deps.store.requestSync(app.name, { reason: 'webhook', revision: event.sha, requestedAt });
        await deps.queue.send({
          app: app.name,
          reason: 'webhook',
          revision: event.sha,
          deliveryId: event.deliveryId,
          requestedAt,
          group: wakeUpGroup(app),
        });
      }),
    );
    return apps;
  });
  if (taken.duplicate) {
    deps.log.info('duplicate delivery: no wake-up sent', fields);
    return { enqueued: [], duplicate: true };
  }
  const apps = taken.sent;
  deps.log.info('push enqueued', { ...fields, apps: apps.map((a) => a.name) });
  return { enqueued: apps.map((a) => a.name), duplicate: false };
}
