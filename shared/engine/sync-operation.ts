// A sync as the engine runs it: stepSync advances it task by task until a task has to wait, and
// hands back plain-data state to continue from. The verbs live in their own files (apply.ts,
// prune.ts, wait.ts, hooks.ts); the task list in sync-tasks.ts; the shapes in sync-types.ts.
import type { ChangeAction } from '../domain/change-set.js';
import type { InventoryEntry, KubeObject, ObjectRef } from '../domain/kube-object.js';
import { formatRef, refKey } from '../domain/kube-object.js';
import { GitferryError } from '../domain/errors.js';
import { systemClock, type Clock } from '../ports/clock.js';
import { describeApplyError } from './apply.js';
import { diffObjects } from './diff.js';
import { applyFingerprint } from './fingerprint.js';
import { awaitHooks, cleanUpHooks, settleHooks, startHooks, terminateHooks } from './hooks.js';
import { compareForApply, isFoundation } from './order.js';
import { applyPayload } from './plan.js';
import type { PreparedObject, PreparedSet } from './prepare.js';
import { pruneWave } from './prune.js';
import { defaultSyncOptions, type PlanOptions, type SyncOptions } from './sync-options.js';
import { beginFailure, buildTasks, done, entry, newSyncState, plannedToAction } from './sync-tasks.js';
import type {
  ResourceVerbs,
  SyncInput,
  SyncState,
  SyncStepResult,
  SyncTask,
  TaskContext,
  TaskOutcome,
} from './sync-types.js';
import { awaitEstablished, awaitHealthy, awaitReplacedGone } from './wait.js';

// What callers outside the engine use of a sync, in one place.
export { defaultSyncOptions, newSyncState, type SyncOptions };
export type { HookRun, ResourceVerbs, SyncInput, SyncState, SyncStepResult, SyncTask } from './sync-types.js';

/**
 * Advances a sync as far as it can without waiting: plan (dry run of everything) → PreSync hooks →
 * per wave: Namespaces/CRDs, wait Established, apply, prune, health gate → PostSync hooks. Returns
 * the new state and when to call again; never sleeps. Pass the returned state back to continue.
 * The clock dates the state and counts the sync's deadline and the step's budget.
 */
export async function stepSync(
  rm: ResourceVerbs,
  input: SyncInput,
  previous?: SyncState,
  clock: Clock = systemClock,
): Promise<SyncStepResult> {
  const o: SyncOptions = { ...defaultSyncOptions, ...input.options };
  const state = previous ? structuredClone(previous) : newSyncState(input.inventory, clock.now());
  if (state.phase !== 'Running') return { state };
  const stepStarted = clock.now();
  // Kept only for a caller that asks (it holds every object the step read or wrote until it returns).
  const observed = input.observe ? new Map<string, KubeObject | undefined>() : undefined;
  const end = (phase: 'Succeeded' | 'Failed', message: string) => ({
    ...finish(state, phase, message, clock.now()),
    observed,
  });

  let set: PreparedSet;
  try {
    set = await rm.prepare(input.desired, {
      destinationNamespace: o.destinationNamespace,
      appName: o.appName,
    });
  } catch (err) {
    return end('Failed', (err as Error).message);
  }
  const ctx: TaskContext = {
    rm,
    o,
    set,
    byKey: new Map([...set.resources, ...set.hooks].map((p) => [p.key, p])),
    state,
    observed,
    healthAfterApply: new Map(),
  };

  while (state.cursor < state.tasks.length) {
    const late = timedOut(state, o, clock.now());
    if (late) {
      // Out of time, the sync is terminated as Argo CD terminates: hooks still running are
      // deleted (and recorded), ended ones get their delete policies, no SyncFail hook is started.
      const stopped = await terminateHooks(rm, state, 'sync timed out');
      await cleanUpHooks(ctx);
      const why = `${late}${stopped.length > 0 ? `; running hooks deleted: ${stopped.join(', ')}` : ''}`;
      return end('Failed', state.failure ? `${state.failure}; ${why}` : why);
    }
    const task = state.tasks[state.cursor]!;
    const outcome = await runTask(ctx, task);
    if ('waitFor' in outcome) {
      state.waitingFor = outcome.waitFor;
      return { state, nextStepInMs: o.pollIntervalMs, observed };
    }
    state.waitingFor = undefined;
    if ('fail' in outcome) {
      if (task.kind === 'plan' || state.failure) return end('Failed', state.failure ?? outcome.fail);
      beginFailure(ctx, outcome.fail);
      continue;
    }
    state.cursor++;
    if (state.phase !== 'Running') return { state, observed };
    if (clock.now() - stepStarted > o.stepBudgetMs && state.cursor < state.tasks.length)
      return { state, nextStepInMs: 0, observed };
  }
  return end(state.failure ? 'Failed' : 'Succeeded', state.failure ?? summaryMessage(state));
}

/**
 * Ends a running sync now (terminate-op): hooks still running are deleted and recorded, as Argo
 * CD terminates an operation; ended hooks get their delete policies. Writes nothing else.
 */
export async function terminateSync(
  rm: ResourceVerbs,
  previous: SyncState,
  why: string,
  clock: Clock = systemClock,
): Promise<SyncState> {
  const state = structuredClone(previous);
  if (state.phase !== 'Running') return state;
  const stopped = await terminateHooks(rm, state, why);
  await settleHooks(rm, state);
  const message = `${why}${stopped.length > 0 ? `; running hooks deleted: ${stopped.join(', ')}` : ''}`;
  return finish(state, 'Failed', state.failure ? `${state.failure}; ${message}` : message, clock.now()).state;
}

/** Why the sync has run out of time, or undefined while within its deadline. */
function timedOut(state: SyncState, o: SyncOptions, now: number): string | undefined {
  if (now - Date.parse(state.startedAt) > o.timeoutMs)
    return `sync timed out after ${Math.round(o.timeoutMs / 1000)} s${state.waitingFor ? ` waiting for ${state.waitingFor}` : ''}`;
  return undefined;
}

function finish(
  state: SyncState,
  phase: 'Succeeded' | 'Failed',
  message: string,
  now: number,
): SyncStepResult {
  state.phase = phase;
  state.message = message;
  state.finishedAt = new Date(now).toISOString();
  state.waitingFor = undefined;
  return { state };
}

function summaryMessage(state: SyncState): string {
  const counts = new Map<ChangeAction, number>();
  for (const r of state.results) counts.set(r.action, (counts.get(r.action) ?? 0) + 1);
  const parts = [...counts.entries()].map(([a, n]) => `${n} ${a}`);
  return `successfully synced${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

/** Runs one task; a task that throws fails with the error's message. */
async function runTask(ctx: TaskContext, task: SyncTask): Promise<TaskOutcome> {
  try {
    return await dispatch(ctx, task);
  } catch (err) {
    return { fail: err instanceof GitferryError || err instanceof Error ? err.message : String(err) };
  }
}

async function dispatch(ctx: TaskContext, task: SyncTask): Promise<TaskOutcome> {
  switch (task.kind) {
    case 'plan':
      return runPlan(ctx);
    case 'namespace':
      return ensureNamespace(ctx);
    case 'hooks':
      return startHooks(ctx, task.phase, task.wave);
    case 'hooksDone':
      return awaitHooks(ctx, task.phase, task.wave);
    case 'hookCleanup':
      return cleanUpHooks(ctx, task.phase);
    case 'foundation':
      return applyWave(ctx, task.wave, (p) => isFoundation(p.object));
    case 'established':
      return awaitEstablished(ctx, task.wave);
    case 'replaceDelete':
      return deleteForReplace(ctx, task.wave);
    case 'replaceGone':
      return awaitReplacedGone(ctx, task.wave);
    case 'apply':
      return applyWave(ctx, task.wave, (p) => !isFoundation(p.object));
    case 'prune':
      return pruneWave(ctx, task.wave);
    case 'healthy':
      return awaitHealthy(ctx, task.wave);
    case 'fail':
      return { fail: ctx.state.failure ?? 'sync failed' };
  }
}

/** The plan reads the sync's own options, plus the inventory so far and the namespace this sync creates. */
function planOptions({ o, state }: TaskContext): PlanOptions {
  return {
    ...o,
    inventory: state.inventory,
    createdNamespaces: o.createNamespace && o.destinationNamespace ? [o.destinationNamespace] : [],
  };
}

async function runPlan(ctx: TaskContext): Promise<TaskOutcome> {
  const { rm, o, set, state } = ctx;
  const refused = o.admit?.(set) ?? [];
  if (refused.length > 0) {
    return { fail: `refused before any write (${refused.length} problem(s)):\n  ${refused.join('\n  ')}` };
  }
  const plan = await rm.plan(set, planOptions(ctx));
  for (const [key, live] of plan.live ?? []) ctx.observed?.set(key, live);
  state.planned = plan.objects;
  state.prunes = plan.prune;
  state.warnings = plan.warnings;
  if (plan.errors.length > 0) {
    state.results = plan.errors.map((e) => ({ ref: e.ref, action: 'failed', message: e.message }));
    return {
      fail: `dry run failed for ${plan.errors.length} object(s), nothing was applied:\n  ${plan.errors.map((e) => e.message).join('\n  ')}`,
    };
  }
  if (o.dryRun) {
    // Objects whose namespace or CRD this sync would create show whole, as added, like any missing one.
    const deferredDiff = (p: (typeof state.planned)[number]) =>
      diffObjects(formatRef(p.ref), undefined, applyPayload(ctx.byKey.get(p.key)!, o)).text;
    state.results = [
      ...state.planned.map((p) =>
        entry(
          p.ref,
          plannedToAction[p.action],
          p.wave,
          p.action === 'deferred' ? deferredDiff(p) : p.diff,
          p.reason,
        ),
      ),
      ...state.prunes.map((p) =>
        entry(p.ref, p.action === 'prune' ? 'pruned' : 'skipped', p.wave, p.diff, p.reason),
      ),
    ];
    return done;
  }
  state.tasks.push(...buildTasks(ctx));
  return done;
}

async function ensureNamespace(ctx: TaskContext): Promise<TaskOutcome> {
  const { rm, o } = ctx;
  const name = o.destinationNamespace!;
  if (ctx.set.resources.some((p) => p.ref.kind === 'Namespace' && p.ref.group === '' && p.ref.name === name))
    return done;
  const info = await rm.discovery.resolve('v1', 'Namespace');
  const ns: KubeObject = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      labels: o.managedNamespaceMetadata?.labels,
      annotations: o.managedNamespaceMetadata?.annotations,
    },
  };
  try {
    await rm.apply(info!, ns, { force: o.forcePolicy === 'always' });
  } catch (err) {
    return { fail: describeApplyError({ group: '', version: 'v1', kind: 'Namespace', name }, 'apply', err) };
  }
  return done;
}

/** Records an applied object (and its fingerprint) in the inventory; one index per wave, not per object. */
function trackInventory(state: SyncState, applied: { ref: ObjectRef; fingerprint?: string }[]): void {
  const index = new Map(state.inventory.map((e, i) => [refKey(e), i]));
  for (const { ref, fingerprint } of applied) {
    const entry: InventoryEntry = fingerprint ? { ...ref, fingerprint } : { ...ref };
    const at = index.get(refKey(ref));
    if (at === undefined) state.inventory.push(entry);
    else state.inventory[at] = entry;
  }
}

/** Applies the wave's objects chosen by `which`; unchanged ones are skipped, deferred ones dry-run first. */
async function applyWave(
  ctx: TaskContext,
  wave: number,
  which: (p: PreparedObject) => boolean,
): Promise<TaskOutcome> {
  const { rm, o, state, byKey } = ctx;
  const items = state.planned
    .filter((p) => p.wave === wave && which(byKey.get(p.key)!))
    .sort((a, b) => compareForApply(byKey.get(a.key)!.object, byKey.get(b.key)!.object));

  // Deferred objects (kind or namespace created earlier in this sync) are dry-run before any write of the wave.
  const deferredErrors: string[] = [];
  await Promise.all(
    items
      .filter((p) => p.action === 'deferred')
      .map(async (p) => {
        const prepared = byKey.get(p.key)!;
        const info =
          prepared.info ?? (await rm.discovery.resolve(prepared.object.apiVersion, prepared.object.kind));
        if (!info) {
          deferredErrors.push(
            `${formatRef(p.ref)}: the cluster does not serve ${prepared.object.apiVersion} ${prepared.object.kind} even after its CRD was applied`,
          );
          return;
        }
        prepared.info = info;
        try {
          await rm.apply(info, applyPayload(prepared, o), {
            dryRun: true,
            force: o.forcePolicy === 'always',
            fieldValidation: o.fieldValidation,
          });
          p.action = 'create';
        } catch (err) {
          deferredErrors.push(describeApplyError(p.ref, 'dry-run', err));
        }
      }),
  );
  if (deferredErrors.length > 0) {
    for (const p of items.filter((i) => i.action === 'deferred'))
      state.results.push(
        entry(
          p.ref,
          'failed',
          wave,
          undefined,
          deferredErrors.find((e) => e.startsWith(formatRef(p.ref))),
        ),
      );
    return {
      fail: `dry run failed in wave ${wave}, nothing of it was applied:\n  ${deferredErrors.join('\n  ')}`,
    };
  }

  const failures: string[] = [];
  const applied: { ref: ObjectRef; fingerprint?: string }[] = [];
  await Promise.all(
    items.map(async (p) => {
      const prepared = byKey.get(p.key)!;
      if (p.action === 'unchanged') {
        state.results.push(entry(p.ref, 'unchanged', wave));
        applied.push({ ref: p.ref, fingerprint: p.fingerprint });
        return;
      }
      try {
        const payload = applyPayload(prepared, o);
        const live = await rm.apply(prepared.info!, payload, {
          force: o.forcePolicy === 'always' || p.takeOver !== undefined,
          fieldValidation: o.fieldValidation,
        });
        ctx.observed?.set(p.key, live);
        state.results.push(entry(p.ref, plannedToAction[p.action], wave, p.diff, p.takeOver));
        applied.push({ ref: p.ref, fingerprint: applyFingerprint(payload, live) });
        // A check that cannot judge the answer leaves the object to the health gate's own read.
        const health = await rm.assessHealth(live).catch(() => null);
        if (health !== null) ctx.healthAfterApply.set(p.key, health);
      } catch (err) {
        const message = describeApplyError(p.ref, 'apply', err);
        failures.push(message);
        state.results.push(entry(p.ref, 'failed', wave, undefined, message));
      }
    }),
  );
  trackInventory(state, applied);
  if (failures.length > 0)
    return {
      fail: `${failures.length} object(s) failed to apply in wave ${wave}:\n  ${failures.join('\n  ')}`,
    };
  return done;
}

async function deleteForReplace(ctx: TaskContext, wave: number): Promise<TaskOutcome> {
  for (const p of ctx.state.planned.filter((p) => p.wave === wave && p.action === 'replace')) {
    await ctx.rm.delete(p.ref, 'Foreground');
    ctx.observed?.delete(p.key);
  }
  return done;
}

/** Runs a sync to its end in this process, sleeping between steps (CLI, local mode, tests). */
export async function runSync(
  rm: ResourceVerbs,
  input: SyncInput,
  onStep?: (s: SyncState) => void,
  clock: Clock = systemClock,
): Promise<SyncState> {
  let result = await stepSync(rm, input, undefined, clock);
  for (;;) {
    onStep?.(result.state);
    if (result.nextStepInMs === undefined) return result.state;
    await new Promise((r) => setTimeout(r, result.nextStepInMs));
    result = await stepSync(rm, input, result.state, clock);
  }
}
