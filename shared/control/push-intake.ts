import { posix } from 'node:path';
import type { App } from '../domain/app.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { Logger } from '../ports/logger.js';
import type { StateStore } from '../ports/state-store.js';
import { repoMatchKey } from '../domain/repo-url.js';
import { repoLinkTarget } from '../domain/app-links.js';
import type { PushEvent } from '../webhooks/types.js';
import { GitferryError } from '../domain/errors.js';

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
  'listLinkedApps' | 'requestSync' | 'recordDelivery' | 'claimDelivery' | 'confirmDelivery' | 'forgetDelivery'
>;

/**
 * Another copy of the delivery is still being taken and did not finish within the wait: the
 * answer is "not enqueued, redeliver" (a 503), never "duplicate", since its wake-ups may yet fail.
 */
export class DeliveryPendingError extends GitferryError {
  override name = 'DeliveryPendingError';
  constructor(deliveryId: string) {
    super(
      'webhook:delivery-pending',
      `delivery ${deliveryId}: another copy of it is still being taken; redeliver later`,
    );
  }
}

/** Defaults of intakePush's timing options. */
export const defaultIntakeOptions = {
  /** How long a delivery is remembered once its wake-ups were sent (GitHub redelivers for days). */
  deliveryTtlSeconds: 7 * 24 * 3600,
  /**
   * How long a claim holds while its wake-ups are sent. Past it, a redelivery may take the
   * delivery over (the first intake died, or its Lambda was frozen after answering 503); its late
   * wake-ups, if it resumes, are harmless duplicates.
   */
  claimSeconds: 60,
  /** How long a copy that finds another copy under way waits for its outcome before a 503. */
  pendingWaitMs: 5_000,
  /** The first pause before asking again; each next one doubles, up to 1 s. */
  pendingPollMs: 100,
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Turns a verified push into wake-ups: each concerned app records the pushed revision as wanted
 * (newest wins) and gets a wake-up. The delivery id is claimed first, before any other work, so a
 * replayed delivery (GitHub's redelivery, an attacker replaying a captured request) sends nothing
 * at all; the claim becomes "done" only once every wake-up was sent. A copy that finds the claim
 * still pending waits for its outcome: done is a duplicate, forgotten is new work it takes up, and
 * still pending after the wait is a DeliveryPendingError (503, redeliver) — never a "duplicate"
 * whose first copy may yet fail. If the wake-ups cannot all be sent, the claim is forgotten, so a
 * redelivery is new work and a failure part-way loses nothing (the wake-ups already sent are
 * harmless).
 */
export async function intakePush(
  event: PushEvent,
  deps: {
    store: IntakeStore;
    queue: JobQueue;
    log: Logger;
    now: () => number;
    /** The apps a push concerns (an in-memory catalog); default: indexedAppsForPush on the store. */
    appsFor?: (event: PushEvent) => Promise<App[]>;
    deliveryTtlSeconds?: number;
    claimSeconds?: number;
    pendingWaitMs?: number;
    pendingPollMs?: number;
  },
): Promise<IntakeResult> {
  const o = { ...defaultIntakeOptions, ...definedOnly(deps) };
  const deliveryKey = `${event.provider}:${event.deliveryId}`;
  const fields = { deliveryId: event.deliveryId, revision: event.sha, branch: event.branch };
  const waitUntil = deps.now() + o.pendingWaitMs;
  let claim = await deps.store.claimDelivery(deliveryKey, o.claimSeconds, deps.now());
  // Asked again less and less often (each ask is two store calls on DynamoDB): a slow store is
  // not made slower by the copies waiting on it.
  for (let pause = o.pendingPollMs; claim === 'pending'; pause = Math.min(pause * 2, 1_000)) {
    if (deps.now() >= waitUntil) throw new DeliveryPendingError(event.deliveryId);
    await sleep(Math.min(pause, Math.max(0, waitUntil - deps.now())));
    claim = await deps.store.claimDelivery(deliveryKey, o.claimSeconds, deps.now());
  }
  if (claim === 'done') {
    deps.log.info('duplicate delivery: no wake-up sent', fields);
    return { enqueued: [], duplicate: true };
  }
  const requestedAt = deps.now();
  let apps: App[] = [];
  try {
    apps = deps.appsFor ? await deps.appsFor(event) : await indexedAppsForPush(deps.store, event);
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
    await deps.store.confirmDelivery(deliveryKey, o.deliveryTtlSeconds, deps.now());
  } catch (err) {
    await deps.store
      .forgetDelivery(deliveryKey)
      .catch((forgetErr: unknown) =>
        deps.log.error(
          'a delivery whose wake-ups failed could not be forgotten; a redelivery can take it once its claim runs out',
          { ...fields, message: (forgetErr as Error).message },
        ),
      );
    throw err;
  }
  deps.log.info('push enqueued', { ...fields, apps: apps.map((a) => a.name) });
  return { enqueued: apps.map((a) => a.name), duplicate: false };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
