// A verified pull or merge request → one preview job per app it concerns, on the same queue as
// wake-ups, so the webhook answers at once and the worker (which holds the cluster access) does
// the render and dry run. Deduplicated by delivery id as pushes are.
import { wakeUpGroup } from '../domain/sync-job.js';
import type { App } from '../domain/app.js';
import { repoMatchKey } from '../domain/repo-url.js';
import type { PullRequestTarget } from '../domain/pull-request.js';
import type { JobQueue } from '../ports/job-queue.js';
import { oncePerDelivery, type DeliveryClaimDeps } from '../control/delivery-claim.js';
import { appsOfRepos, branchMatches, type IntakeResult, type IntakeStore } from '../control/push-intake.js';
import type { PullRequestEvent } from '../webhooks/pull-request.js';

/** The repository keys of a PR's base repository (URLs that cannot be canonicalised match nothing). */
export function repoKeysOf(urls: readonly string[]): Set<string> {
  return new Set(
    urls.flatMap((u) => {
      try {
        return [repoMatchKey(u)];
      } catch {
        return [];
      }
    }),
  );
}

/**
 * The apps a PR concerns: a git source in the PR's base repository whose targetRevision is the
 * branch the PR merges into (HEAD or none: any). The PR events carry no list of changed paths, so
 * every such app is previewed.
 */
export function appsForPullRequest(
  apps: App[],
  event: Pick<PullRequestTarget, 'repoUrls' | 'baseRef'>,
): App[] {
  const keys = repoKeysOf(event.repoUrls);
  return apps.filter((app) =>
    app.sources.some((s) => {
      if (s.chart) return false;
      try {
        return keys.has(repoMatchKey(s.repoURL)) && branchMatches(s.targetRevision, event.baseRef);
      } catch {
        return false;
      }
    }),
  );
}

/** The job's copy of the PR: only the fields a preview needs. */
export function targetOf(event: PullRequestEvent): PullRequestTarget {
  const { provider, repoUrls, repo, number, headSha, headRef, baseRef, fork, url } = event;
  return { provider, repoUrls, repo, number, headSha, headRef, baseRef, fork, ...(url ? { url } : {}) };
}

/**
 * Enqueues a preview job per concerned app, once per delivery (oncePerDelivery, as pushes are): a
 * redelivery while the first copy is under way waits for it, and one after a failed or
 * interrupted intake is new work.
 */
export async function intakePullRequest(
  event: PullRequestEvent,
  deps: DeliveryClaimDeps & { store: IntakeStore; queue: JobQueue },
): Promise<IntakeResult> {
  const apps = appsForPullRequest(await appsOfRepos(deps.store, event.repoUrls), event);
  const fields = {
    deliveryId: event.deliveryId,
    pullRequest: event.number,
    revision: event.headSha,
    apps: apps.map((a) => a.name),
  };
  if (apps.length === 0) {
    deps.log.info('pull request concerns no app: nothing to preview', fields);
    return { enqueued: [], duplicate: false };
  }
  const preview = targetOf(event);
  const taken = await oncePerDelivery(deps, event, fields, async () => {
    const requestedAt = deps.now();
    await Promise.all(
      apps.map((app) =>
        deps.queue.send({
          app: app.name,
          reason: 'preview',
          preview,
          deliveryId: event.deliveryId,
          requestedAt,
          group: wakeUpGroup(app),
        }),
      ),
    );
  });
  if (taken.duplicate) {
    deps.log.info('duplicate delivery: no preview sent', fields);
    return { enqueued: [], duplicate: true };
  }
  deps.log.info('pull request preview enqueued', fields);
  return { enqueued: apps.map((a) => a.name), duplicate: false };
}
