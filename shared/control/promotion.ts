// Staged rollout (`gitferry.dev/promote-after: staging`, `gitferry.dev/soak: 5m`; see
// domain/delivery-annotations.ts): a stage deploys the revision its previous stage has been Synced
// and Healthy on for the soak time, instead of its branch head. While the previous stage soaks or
// is not Healthy, the stage stays on the revision it has (halted), saying why in a
// PromotionWaiting condition. The previous stage's Healthy streak starting or ending wakes the
// stages after it (at the soak's end), so a rollout moves on wake-ups, never by sleeping.
import type { App } from '../domain/app.js';
import { promotionOf } from '../domain/delivery-annotations.js';
import { GitferryError } from '../domain/errors.js';
import type { AppStatus } from '../domain/status.js';
import type { SyncJob } from '../domain/sync-job.js';
import type { Lease } from '../ports/state-store.js';
import { commitStep, type Control } from './deps.js';

export const promotionWaitingCondition = 'PromotionWaiting';
/** The queue's longest delay (SQS's per-message limit): longer soaks are waited out in hops. */
const maxDelaySeconds = 900;

/** A stage with nothing deployed yet, and nothing its previous stage has soaked on to deploy. */
export class PromotionWaitingError extends GitferryError {
  override name = 'PromotionWaitingError';
}

export interface PromotionFacts {
  /** The revision to promote: the previous stage's, Healthy for the soak time. */
  revision?: string;
  /** Why there is none yet. */
  waiting?: string;
  /** When the soak ends (epoch ms), while the previous stage is Healthy but not yet for long enough. */
  readyAt?: number;
}

const short = (rev: string) =>
  rev
    .split(' ')
    .map((r) => r.slice(0, 7))
    .join(' ');

/** What the previous stage offers `app` now (undefined when `app` is not a stage). */
export async function promotionFactsOf(c: Control, app: App): Promise<PromotionFacts | undefined> {
  const p = promotionOf(app);
  if (!p) return undefined;
  const [up, upStatus] = await Promise.all([c.store.getApp(p.after), c.store.getStatus(p.after)]);
  if (!up) return { waiting: `halted: the previous stage ${p.after} does not exist` };
  const sameRepos =
    up.sources.length === app.sources.length &&
    up.sources.every((s, i) => s.repoURL === app.sources[i]!.repoURL);
  if (!sameRepos)
    return { waiting: `halted: the previous stage ${p.after} deploys other sources; no revision to promote` };
  const healthy = upStatus?.healthy;
  if (!upStatus?.sync.revision) return { waiting: `waiting for the previous stage ${p.after} to sync` };
  if (!healthy) {
    const h = upStatus?.health;
    const at = upStatus?.sync.revision ? ` at ${short(upStatus.sync.revision)}` : '';
    return {
      waiting: `halted: the previous stage ${p.after} is ${upStatus?.sync.status ?? 'Unknown'} and ${h?.status ?? 'Unknown'}${at}${h?.message ? ` (${h.message.slice(0, 300)})` : ''}`,
    };
  }
  const readyAt = Date.parse(healthy.since) + p.soakMs;
  if (c.clock.now() < readyAt)
    return {
      waiting: `waiting for ${p.after} to soak: Healthy at ${short(healthy.revision)} since ${healthy.since}, promoted at ${new Date(readyAt).toISOString()}`,
      readyAt,
    };
  return { revision: healthy.revision };
}

/**
 * The revision a stage deploys: the promoted one, else the one it has (it stays where it is).
 * Throws PromotionWaitingError for a stage that has nothing yet.
 */
export async function stageRevision(c: Control, app: App, facts: PromotionFacts): Promise<string> {
  if (facts.revision) return facts.revision;
  const own = (await c.store.getStatus(app.name))?.sync.revision;
  if (own) return own;
  throw new PromotionWaitingError('promotion:waiting', `Application/${app.name}: ${facts.waiting}`);
}

/**
 * After a wake-up, under its lease: a stage records why it waits (or that it no longer does) and,
 * while its previous stage soaks, asks to be woken at the soak's end; an app whose Healthy streak
 * started or ended wakes the stages after it.
 */
export async function afterWakeUpForPromotion(
  c: Control,
  lease: Lease,
  job: SyncJob,
  before: AppStatus | undefined,
): Promise<void> {
  const app = await c.store.getApp(job.app);
  if (!app) return;
  const status = await c.store.getStatus(app.name);
  // A pinned stage (rolled back) stays where it is whatever the previous stage does: no wait to show.
  const facts = app.pinnedRevision ? {} : await promotionFactsOf(c, app);
  if (facts && status) {
    const shown = status.conditions?.find((k) => k.type === promotionWaitingCondition);
    if (shown?.message !== facts.waiting) {
      const others = (status.conditions ?? []).filter((k) => k.type !== promotionWaitingCondition);
      const at = new Date(c.clock.now()).toISOString();
      const conditions = facts.waiting
        ? [...others, { type: promotionWaitingCondition, message: facts.waiting, at } as const]
        : others;
      await commitStep(c, lease, { status: { ...status, conditions } });
    }
    // One chain of soak wake-ups: started when the wait is first shown, carried by its own hops.
    if (facts.readyAt !== undefined && (job.reason === 'promote' || shown?.message !== facts.waiting))
      await wakeAt(c, app.name, facts.readyAt);
  }
  if (status?.healthy?.revision === before?.healthy?.revision) return;
  for (const stage of await c.store.listLinkedApps('promoteAfter', app.name)) {
    const readyAt = status?.healthy
      ? Date.parse(status.healthy.since) + promotionOf(stage)!.soakMs
      : c.clock.now();
    await wakeAt(c, stage.name, readyAt);
    c.log.info('previous stage moved; waking the next stage', { app: stage.name, previous: app.name });
  }
}

async function wakeAt(c: Control, app: string, at: number): Promise<void> {
  const now = c.clock.now();
  const delaySeconds = Math.min(maxDelaySeconds, Math.max(0, Math.ceil((at - now) / 1000)));
  await c.queue.send({ app, reason: 'promote', requestedAt: now }, { delaySeconds });
}
