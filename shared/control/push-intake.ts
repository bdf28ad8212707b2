import { posix } from 'node:path';
import type { App } from '../domain/app.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { Logger } from '../ports/logger.js';
import type { StateStore } from '../ports/state-store.js';
import { repoMatchKey } from '../domain/repo-url.js';
import type { PushEvent } from '../webhooks/types.js';

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

export interface IntakeResult {
  enqueued: string[];
  duplicate: boolean;
}

/** The store calls a push intake makes. */
export type IntakeStore = Pick<StateStore, 'listApps' | 'requestSync' | 'recordDelivery' | 'forgetDelivery'>;

/**
 * Turns a verified push into wake-ups: each concerned app records the pushed revision as wanted
 * (newest wins) and gets a wake-up. The delivery id is recorded first, so a replayed delivery
 * (GitHub's redelivery, an attacker replaying a captured request) sends nothing at all. If the
 * wake-ups cannot all be sent, the record is forgotten again, so a redelivery is new work and a
 * failure part-way loses nothing (the wake-ups already sent are harmless).
 */
export async function intakePush(
  event: PushEvent,
  deps: {
    store: IntakeStore;
    queue: JobQueue;
    log: Logger;
    now: () => number;
    deliveryTtlSeconds?: number;
  },
): Promise<IntakeResult> {
  const apps = appsForPush(await deps.store.listApps(), event);
  const requestedAt = deps.now();
  const deliveryKey = `${event.provider}:${event.deliveryId}`;
  const isNew = await deps.store.recordDelivery(
    deliveryKey,
    deps.deliveryTtlSeconds ?? 7 * 24 * 3600,
    requestedAt,
  );
  const fields = {
    deliveryId: event.deliveryId,
    revision: event.sha,
    branch: event.branch,
    apps: apps.map((a) => a.name),
  };
  if (!isNew) {
    deps.log.info('duplicate delivery: no wake-up sent', fields);
    return { enqueued: [], duplicate: true };
  }
  try {
    await Promise.all(
      apps.map(async (app) => {
        await deps.store.requestSync(app.name, { reason: 'webhook', revision: event.sha, requestedAt });
        await deps.queue.send({
          app: app.name,
          reason: 'webhook',
          revision: event.sha,
          deliveryId: event.deliveryId,
          requestedAt,
        });
      }),
    );
  } catch (err) {
    await deps.store.forgetDelivery(deliveryKey).catch((forgetErr: unknown) =>
      deps.log.error(
        'a delivery whose wake-ups failed could not be forgotten; its redelivery counts as a duplicate',
        {
          ...fields,
          message: (forgetErr as Error).message,
        },
      ),
    );
    throw err;
  }
  deps.log.info('push enqueued', fields);
  return { enqueued: apps.map((a) => a.name), duplicate: false };
}
