// The prune verb: which inventory objects a sync deletes (planPrune, before any write) and the
// deleting itself (pruneWave, a task). Only inventory objects are ever candidates; the safeguards
// that hold some of them back are the named filters of prune-filters.ts.
import type { KubeObject } from '../domain/kube-object.js';
import { formatRef, refKey } from '../domain/kube-object.js';
import { syncWaveOf } from './annotations.js';
import { describeApplyError } from './apply.js';
import { diffObjects } from './diff.js';
import { readLiveState } from './live-state.js';
import { compareForDelete } from './order.js';
import type { PreparedSet } from './prepare.js';
import { heldBy, massPrune, type PruneCandidate } from './prune-filters.js';
import type { PlanOptions } from './sync-options.js';
import { done, entry } from './sync-tasks.js';
import type { PlanContext, PlannedPrune, TaskContext, TaskOutcome } from './sync-types.js';

/** The prune set: every inventory object the render dropped, each to prune or skip (with why). */
export async function planPrune(
  ctx: PlanContext,
  set: PreparedSet,
  opts: PlanOptions,
): Promise<PlannedPrune[]> {
  const desired = new Set(set.resources.map((p) => p.key));
  const candidates = opts.inventory.filter((ref) => !desired.has(refKey(ref)));
  const out: PlannedPrune[] = [];
  await Promise.all(
    candidates.map(async (ref) => {
      const key = refKey(ref);
      const candidate = await readCandidate(ctx, ref, key);
      // Already gone or going: no delete, but it must leave the inventory, or a later object of
      // the same name (someone else's) would become a prune candidate.
      if (!candidate) return void out.push({ key, ref, wave: 0, action: 'prune', gone: true });
      const wave = candidate.live ? safeWave(candidate.live) : 0;
      const held = heldBy(candidate, opts);
      out.push(
        held
          ? {
              key,
              ref,
              wave,
              action: 'skip',
              reason: `${formatRef(ref)}: ${held.reason}`,
              heldBy: held.filter,
            }
          : {
              key,
              ref,
              wave,
              action: 'prune',
              // A dry run shows what would go, whole, as removed (Secret values masked).
              ...(opts.dryRun && candidate.live
                ? { diff: diffObjects(`${formatRef(ref)} (would prune)`, candidate.live, undefined).text }
                : {}),
            },
      );
    }),
  );
  const pruning = out.filter((p) => p.action === 'prune' && !p.gone);
  const held = massPrune.hold(pruning.length, opts);
  if (held !== undefined) {
    for (const p of pruning) {
      p.action = 'skip';
      p.reason = `${formatRef(p.ref)}: ${held}`;
      p.heldBy = massPrune.name;
    }
  }
  return out;
}

/** The candidate as the cluster has it; undefined when it is gone or already being deleted. */
async function readCandidate(
  ctx: PlanContext,
  ref: PruneCandidate['ref'],
  key: string,
): Promise<PruneCandidate | undefined> {
  const info = await ctx.discovery.resolve(ref.group ? `${ref.group}/${ref.version}` : ref.version, ref.kind);
  if (!info) return { ref, served: false };
  const live = (
    await readLiveState(ctx.client, [{ key, info, namespace: ref.namespace, name: ref.name }], ctx.run)
  ).get(key);
  if (!live || live.metadata.deletionTimestamp) return undefined;
  return { ref, served: true, live };
}

function safeWave(obj: KubeObject): number {
  try {
    return syncWaveOf(obj);
  } catch {
    return 0;
  }
}

/** Deletes the wave's planned prunes (all of them for `last`), dependants first, and drops them from the inventory. */
export async function pruneWave(ctx: TaskContext, wave: number | 'last'): Promise<TaskOutcome> {
  const { rm, o, state } = ctx;
  const items = state.prunes.filter((p) => p.action === 'prune' && (wave === 'last' || p.wave === wave));
  // Dependants first (Deployments before their Namespace), as kubectl and Argo CD delete.
  items.sort((a, b) => compareForDelete(a.ref, b.ref));
  const failures: string[] = [];
  for (const p of items) {
    if (p.gone) {
      state.results.push(entry(p.ref, 'pruned', p.wave, undefined, `${formatRef(p.ref)} was already gone`));
      state.inventory = state.inventory.filter((r) => refKey(r) !== p.key);
      continue;
    }
    try {
      await rm.delete(p.ref, o.propagationPolicy);
      ctx.observed?.delete(p.key);
      state.results.push(entry(p.ref, 'pruned', p.wave));
      state.inventory = state.inventory.filter((r) => refKey(r) !== p.key);
    } catch (err) {
      const message = describeApplyError(p.ref, 'prune', err);
      failures.push(message);
      state.results.push(entry(p.ref, 'failed', p.wave, undefined, message));
    }
  }
  return failures.length > 0
    ? { fail: `${failures.length} object(s) failed to prune:\n  ${failures.join('\n  ')}` }
    : done;
}
