// The task list of a sync (the solver, in cli-utils' terms): what a fresh sync starts with, the
// tasks its plan turns into, and the tail a failure swaps in. Plain data, resumable at any task.
import type { ChangeAction, ChangeSetEntry } from '../domain/change-set.js';
import type { InventoryEntry, ObjectRef } from '../domain/kube-object.js';
import { syncWaveOf } from './annotations.js';
import { isFoundation } from './order.js';
import type { PreparedObject } from './prepare.js';
import type {
  HookPhase,
  PlannedObject,
  SyncState,
  SyncTask,
  TaskContext,
  TaskOutcome,
} from './sync-types.js';

export const done: TaskOutcome = { done: true };

/** A sync that has only its plan to run; `now` is epoch ms. */
export function newSyncState(inventory: InventoryEntry[], now: number): SyncState {
  return {
    phase: 'Running',
    startedAt: new Date(now).toISOString(),
    tasks: [{ kind: 'plan' }],
    cursor: 0,
    planned: [],
    prunes: [],
    warnings: [],
    results: [],
    hooks: [],
    inventory: [...inventory],
  };
}

/** The change each planned action becomes once applied. */
export const plannedToAction: Record<PlannedObject['action'], ChangeAction> = {
  create: 'created',
  update: 'configured',
  unchanged: 'unchanged',
  replace: 'replaced',
  deferred: 'created',
};

/** The waves a phase's hooks run in, in order. */
export function hookWaves(hooks: PreparedObject[], phase: HookPhase): number[] {
  return [...new Set(hooks.filter((h) => h.hookTypes.includes(phase)).map((h) => syncWaveOf(h.object)))].sort(
    (a, b) => a - b,
  );
}

/** One result line of the sync. */
export function entry(
  ref: ObjectRef,
  action: ChangeAction,
  wave?: number,
  diff?: string,
  message?: string,
): ChangeSetEntry {
  return { ref, action, wave, ...(diff ? { diff } : {}), ...(message ? { message } : {}) };
}

/**
 * The tasks after the plan: namespace, PreSync hooks, then per wave Namespaces/CRDs, wait
 * Established, replace, apply, Sync hooks, prune and a health gate, then PostSync hooks. Skipped
 * prunes are reported here, once.
 */
export function buildTasks(ctx: TaskContext): SyncTask[] {
  const { o, set, state } = ctx;
  const tasks: SyncTask[] = [];
  if (o.createNamespace && o.destinationNamespace) tasks.push({ kind: 'namespace' });
  const hooksOf = (phase: HookPhase) => set.hooks.filter((h) => h.hookTypes.includes(phase));
  tasks.push(...hookPhaseTasks(ctx, 'PreSync'));

  const prunesByWave = o.pruneLast ? [] : state.prunes.filter((p) => p.action === 'prune').map((p) => p.wave);
  const syncHookWaves = hooksOf('Sync').map((h) => syncWaveOf(h.object));
  const waves = [...new Set([...state.planned.map((p) => p.wave), ...prunesByWave, ...syncHookWaves])].sort(
    (a, b) => a - b,
  );
  const hasPostSync = hooksOf('PostSync').length > 0;
  for (const [i, wave] of waves.entries()) {
    const inWave = state.planned.filter((p) => p.wave === wave);
    const foundation = inWave.filter((p) => isFoundation(ctx.byKey.get(p.key)!.object));
    if (foundation.length > 0) tasks.push({ kind: 'foundation', wave });
    if (foundation.some((p) => p.ref.kind === 'CustomResourceDefinition'))
      tasks.push({ kind: 'established', wave });
    if (inWave.some((p) => p.action === 'replace'))
      tasks.push({ kind: 'replaceDelete', wave }, { kind: 'replaceGone', wave });
    tasks.push({ kind: 'apply', wave });
    if (syncHookWaves.includes(wave))
      tasks.push({ kind: 'hooks', phase: 'Sync', wave }, { kind: 'hooksDone', phase: 'Sync', wave });
    if (prunesByWave.includes(wave)) tasks.push({ kind: 'prune', wave });
    // Health gate between waves (Argo CD's), not after the last unless something needs it.
    if (i < waves.length - 1) tasks.push({ kind: 'healthy', wave });
  }
  // Sync hooks of every wave have ended: now their delete policies apply.
  if (syncHookWaves.length > 0) tasks.push({ kind: 'hookCleanup', phase: 'Sync' });
  if (o.pruneLast && state.prunes.some((p) => p.action === 'prune'))
    tasks.push({ kind: 'prune', wave: 'last' });
  for (const p of state.prunes.filter((p) => p.action === 'skip'))
    state.results.push(entry(p.ref, 'skipped', p.wave, undefined, p.reason));
  if (hasPostSync || o.waitForHealthy) tasks.push({ kind: 'healthy', wave: 'all' });
  tasks.push(...hookPhaseTasks(ctx, 'PostSync'));
  return tasks;
}

/**
 * A hook phase: its hooks wave by wave (each wave ended before the next starts), then its delete
 * policies, once the whole phase has ended. Empty when the phase has no hooks.
 */
function hookPhaseTasks(ctx: TaskContext, phase: HookPhase): SyncTask[] {
  const waves = hookWaves(ctx.set.hooks, phase);
  if (waves.length === 0) return [];
  return [
    ...waves.flatMap((wave): SyncTask[] => [
      { kind: 'hooks', phase, wave },
      { kind: 'hooksDone', phase, wave },
    ]),
    { kind: 'hookCleanup', phase },
  ];
}

/** After a write failed: run SyncFail hooks (if any), then end Failed. Nothing further is applied or pruned. */
export function beginFailure(ctx: TaskContext, message: string): void {
  const { state } = ctx;
  state.failure = message;
  state.tasks = [
    ...state.tasks.slice(0, state.cursor),
    // The hooks that ended so far get their delete policies (their phases end here), then SyncFail runs.
    { kind: 'hookCleanup' },
    ...hookPhaseTasks(ctx, 'SyncFail'),
    { kind: 'fail' },
  ];
}
