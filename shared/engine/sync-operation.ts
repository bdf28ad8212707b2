import type { ChangeAction, ChangeSetEntry } from '../domain/change-set.js';
import type { InventoryEntry, KubeObject, ObjectRef } from '../domain/kube-object.js';
import { formatRef, refKey } from '../domain/kube-object.js';
import { hookDeletePoliciesOf, syncWaveOf, type HookType } from './annotations.js';
import { describeApplyError, type ForcePolicy, type PropagationPolicy } from './apply.js';
import type { IgnoreDifference } from './diff.js';
import { applyFingerprint } from './fingerprint.js';
import { GitferryError } from '../domain/errors.js';
import { assessHealth } from './health.js';
import { compareForApply, compareForDelete, isFoundation } from './order.js';
import {
  applyPayload,
  defaultPlanOptions,
  type PlannedObject,
  type PlannedPrune,
  type PlanOptions,
} from './plan.js';
import type { DesiredObject, PreparedObject, PreparedSet } from './prepare.js';
import type { ResourceManager } from './resource-manager.js';

export interface SyncOptions {
  appName?: string;
  destinationNamespace?: string;
  /** Plan only: report what would change, write nothing. */
  dryRun: boolean;
  prune: boolean;
  /** Prune after every wave has been applied, instead of in each object's wave. */
  pruneLast: boolean;
  /** A person confirmed this prune (manual sync): data-bearing kinds and mass prunes are not held. */
  confirmPrune: boolean;
  allowEmpty: boolean;
  /** Conflicts with other field managers: fail, take over manual edits only, or always force. */
  forcePolicy: ForcePolicy;
  fieldValidation: PlanOptions['fieldValidation'];
  ignoreDifferences: IgnoreDifference[];
  respectIgnoreDifferences: boolean;
  failOnSharedResource: boolean;
  propagationPolicy: PropagationPolicy;
  /** Create the destination namespace if it does not exist (CreateNamespace=true). */
  createNamespace: boolean;
  managedNamespaceMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  /** Wait for every resource to be Healthy before finishing (always done before PostSync hooks). */
  waitForHealthy: boolean;
  /** Whole-sync deadline, counted from the first step. */
  timeoutMs: number;
  /** How long a caller should wait before the next step while something is progressing. */
  pollIntervalMs: number;
  /** A step returns (to be continued immediately) after this much work, to fit a Lambda invocation. */
  stepBudgetMs: number;
  /**
   * Checks the prepared objects (resources and hooks) before anything is planned or written, e.g.
   * against the app's project; every problem returned refuses the whole sync.
   */
  admit?: (set: PreparedSet) => string[];
}

export const defaultSyncOptions: SyncOptions = {
  dryRun: false,
  prune: false,
  pruneLast: false,
  confirmPrune: false,
  allowEmpty: false,
  forcePolicy: 'manual-edits',
  fieldValidation: 'Strict',
  ignoreDifferences: [],
  respectIgnoreDifferences: false,
  failOnSharedResource: false,
  propagationPolicy: 'Foreground',
  createNamespace: false,
  waitForHealthy: false,
  timeoutMs: 10 * 60_000,
  pollIntervalMs: 2_000,
  stepBudgetMs: 60_000,
};

export interface SyncRequest {
  desired: DesiredObject[];
  /** What Gitferry applied for this app before: the only objects it may prune. */
  inventory: InventoryEntry[];
  options?: Partial<SyncOptions>;
}

type HookPhase = Exclude<HookType, 'Skip'>;

/** One unit of work; a sync is a list of them, run in order, resumable at any of them. */
export type SyncTask =
  | { kind: 'plan' }
  | { kind: 'namespace' }
  | { kind: 'hooks'; phase: HookPhase; wave?: number }
  | { kind: 'hooksDone'; phase: HookPhase; wave?: number }
  | { kind: 'foundation'; wave: number }
  | { kind: 'established'; wave: number }
  | { kind: 'replaceDelete'; wave: number }
  | { kind: 'replaceGone'; wave: number }
  | { kind: 'apply'; wave: number }
  | { kind: 'prune'; wave: number | 'last' }
  | { kind: 'healthy'; wave: number | 'all' }
  | { kind: 'fail' };

export interface HookRun {
  /** Key of the hook as written in the manifests. */
  templateKey: string;
  phase: HookPhase;
  ref: ObjectRef;
  status: 'Running' | 'Succeeded' | 'Failed';
  message?: string;
}

/** Plain data: a caller can store it between steps (the worker does, one step per queue message). */
export interface SyncState {
  phase: 'Running' | 'Succeeded' | 'Failed';
  message?: string;
  startedAt: string;
  finishedAt?: string;
  tasks: SyncTask[];
  cursor: number;
  /** What the current task waits for, while it waits. */
  waitingFor?: string;
  planned: PlannedObject[];
  prunes: PlannedPrune[];
  warnings: string[];
  results: ChangeSetEntry[];
  hooks: HookRun[];
  /** Objects Gitferry has applied and not pruned: the app's inventory after this sync, kept current. */
  inventory: InventoryEntry[];
  /** Set once the sync failed after writing: SyncFail hooks run, then the sync ends Failed. */
  failure?: string;
}

export interface SyncStepResult {
  state: SyncState;
  /** Undefined when the sync has ended; otherwise call stepSync again after this many ms. */
  nextStepInMs?: number;
}

type TaskOutcome = { done: true } | { waitFor: string } | { fail: string };
const done: TaskOutcome = { done: true };

interface Ctx {
  rm: ResourceManager;
  o: SyncOptions;
  set: PreparedSet;
  byKey: Map<string, PreparedObject>;
  state: SyncState;
}

export function newSyncState(inventory: InventoryEntry[], now = new Date()): SyncState {
  return {
    phase: 'Running',
    startedAt: now.toISOString(),
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

/**
 * Advances a sync as far as it can without waiting: plan (dry run of everything) → PreSync hooks →
 * per wave: Namespaces/CRDs, wait Established, apply, prune, health gate → PostSync hooks. Returns
 * the new state and when to call again; never sleeps. Pass the returned state back to continue.
 */
export async function stepSync(
  rm: ResourceManager,
  req: SyncRequest,
  previous?: SyncState,
): Promise<SyncStepResult> {
  const o: SyncOptions = { ...defaultSyncOptions, ...req.options };
  const state = previous ? structuredClone(previous) : newSyncState(req.inventory);
  if (state.phase !== 'Running') return { state };
  const stepStarted = Date.now();

  let set: PreparedSet;
  try {
    set = await rm.prepare(req.desired, { destinationNamespace: o.destinationNamespace, appName: o.appName });
  } catch (err) {
    return finish(state, 'Failed', (err as Error).message);
  }
  const ctx: Ctx = {
    rm,
    o,
    set,
    byKey: new Map([...set.resources, ...set.hooks].map((p) => [p.key, p])),
    state,
  };

  while (state.cursor < state.tasks.length) {
    if (Date.now() - Date.parse(state.startedAt) > o.timeoutMs) {
      const why = `sync timed out after ${Math.round(o.timeoutMs / 1000)} s${state.waitingFor ? ` waiting for ${state.waitingFor}` : ''}`;
      if (!state.failure && state.tasks.slice(0, state.cursor).some((t) => t.kind !== 'plan')) {
        beginFailure(ctx, why);
        continue;
      }
      return finish(state, 'Failed', state.failure ? `${state.failure}; ${why}` : why);
    }
    const task = state.tasks[state.cursor]!;
    let outcome: TaskOutcome;
    try {
      outcome = await runTask(ctx, task);
    } catch (err) {
      outcome = { fail: err instanceof GitferryError || err instanceof Error ? err.message : String(err) };
    }
    if ('waitFor' in outcome) {
      state.waitingFor = outcome.waitFor;
      return { state, nextStepInMs: o.pollIntervalMs };
    }
    state.waitingFor = undefined;
    if ('fail' in outcome) {
      if (task.kind === 'plan' || state.failure)
        return finish(state, 'Failed', state.failure ?? outcome.fail);
      beginFailure(ctx, outcome.fail);
      continue;
    }
    state.cursor++;
    if (state.phase !== 'Running') return { state };
    if (Date.now() - stepStarted > o.stepBudgetMs && state.cursor < state.tasks.length)
      return { state, nextStepInMs: 0 };
  }
  return finish(state, state.failure ? 'Failed' : 'Succeeded', state.failure ?? summaryMessage(state));
}

function finish(state: SyncState, phase: 'Succeeded' | 'Failed', message: string): SyncStepResult {
  state.phase = phase;
  state.message = message;
  state.finishedAt = new Date().toISOString();
  state.waitingFor = undefined;
  return { state };
}

/** After a write failed: run SyncFail hooks (if any), then end Failed. Nothing further is applied or pruned. */
function beginFailure(ctx: Ctx, message: string): void {
  const { state, set } = ctx;
  state.failure = message;
  const syncFail = set.hooks.some((h) => h.hookTypes.includes('SyncFail'));
  state.tasks = [
    ...state.tasks.slice(0, state.cursor),
    ...(syncFail
      ? [{ kind: 'hooks', phase: 'SyncFail' } as const, { kind: 'hooksDone', phase: 'SyncFail' } as const]
      : []),
    { kind: 'fail' },
  ];
}

function summaryMessage(state: SyncState): string {
  const counts = new Map<ChangeAction, number>();
  for (const r of state.results) counts.set(r.action, (counts.get(r.action) ?? 0) + 1);
  const parts = [...counts.entries()].map(([a, n]) => `${n} ${a}`);
  return `successfully synced${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

async function runTask(ctx: Ctx, task: SyncTask): Promise<TaskOutcome> {
  switch (task.kind) {
    case 'plan':
      return runPlan(ctx);
    case 'namespace':
      return ensureNamespace(ctx);
    case 'hooks':
      return startHooks(ctx, task.phase, task.wave);
    case 'hooksDone':
      return awaitHooks(ctx, task.phase, task.wave);
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

function planOptions(ctx: Ctx): PlanOptions {
  const { o, state } = ctx;
  return {
    inventory: state.inventory,
    prune: o.prune,
    allowEmpty: o.allowEmpty,
    forcePolicy: o.forcePolicy,
    fieldValidation: o.fieldValidation,
    ignoreDifferences: o.ignoreDifferences,
    respectIgnoreDifferences: o.respectIgnoreDifferences,
    failOnSharedResource: o.failOnSharedResource,
    appName: o.appName,
    createdNamespaces: o.createNamespace && o.destinationNamespace ? [o.destinationNamespace] : [],
    confirmPrune: o.confirmPrune,
    maxUnconfirmedPrunes: defaultPlanOptions.maxUnconfirmedPrunes,
  };
}

const plannedToAction: Record<PlannedObject['action'], ChangeAction> = {
  create: 'created',
  update: 'configured',
  unchanged: 'unchanged',
  replace: 'replaced',
  deferred: 'created',
};

async function runPlan(ctx: Ctx): Promise<TaskOutcome> {
  const { rm, o, set, state } = ctx;
  const refused = o.admit?.(set) ?? [];
  if (refused.length > 0) {
    return { fail: `refused before any write (${refused.length} problem(s)):\n  ${refused.join('\n  ')}` };
  }
  const plan = await rm.plan(set, planOptions(ctx));
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
    state.results = [
      ...state.planned.map((p) => entry(p.ref, plannedToAction[p.action], p.wave, p.diff, p.reason)),
      ...state.prunes.map((p) =>
        entry(p.ref, p.action === 'prune' ? 'pruned' : 'skipped', p.wave, undefined, p.reason),
      ),
    ];
    return done;
  }
  state.tasks.push(...buildTasks(ctx));
  return done;
}

function entry(
  ref: ObjectRef,
  action: ChangeAction,
  wave?: number,
  diff?: string,
  message?: string,
): ChangeSetEntry {
  return { ref, action, wave, ...(diff ? { diff } : {}), ...(message ? { message } : {}) };
}

function buildTasks(ctx: Ctx): SyncTask[] {
  const { o, set, state } = ctx;
  const tasks: SyncTask[] = [];
  if (o.createNamespace && o.destinationNamespace) tasks.push({ kind: 'namespace' });
  const hooksOf = (phase: HookPhase) => set.hooks.filter((h) => h.hookTypes.includes(phase));
  if (hooksOf('PreSync').length > 0)
    tasks.push({ kind: 'hooks', phase: 'PreSync' }, { kind: 'hooksDone', phase: 'PreSync' });

  const prunesByWave = o.pruneLast ? [] : state.prunes.filter((p) => p.action === 'prune').map((p) => p.wave);
  const syncHookWaves = hooksOf('Sync').map((h) => waveOf(h));
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
  if (o.pruneLast && state.prunes.some((p) => p.action === 'prune'))
    tasks.push({ kind: 'prune', wave: 'last' });
  for (const p of state.prunes.filter((p) => p.action === 'skip'))
    state.results.push(entry(p.ref, 'skipped', p.wave, undefined, p.reason));
  if (hasPostSync || o.waitForHealthy) tasks.push({ kind: 'healthy', wave: 'all' });
  if (hasPostSync) tasks.push({ kind: 'hooks', phase: 'PostSync' }, { kind: 'hooksDone', phase: 'PostSync' });
  return tasks;
}

function waveOf(p: PreparedObject): number {
  return syncWaveOf(p.object);
}

async function ensureNamespace(ctx: Ctx): Promise<TaskOutcome> {
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
  ctx: Ctx,
  wave: number,
  which: (p: PreparedObject) => boolean,
): Promise<TaskOutcome> {
  const { rm, o, state, byKey } = ctx;
  const items = state.planned
    .filter((p) => p.wave === wave && which(byKey.get(p.key)!))
    .sort((a, b) => compareForApply(byKey.get(a.key)!.object, byKey.get(b.key)!.object));
  const opts = planOptions(ctx);

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
          await rm.apply(info, applyPayload(prepared, opts), {
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
        const payload = applyPayload(prepared, opts);
        const live = await rm.apply(prepared.info!, payload, {
          force: o.forcePolicy === 'always' || p.takeOver !== undefined,
          fieldValidation: o.fieldValidation,
        });
        state.results.push(entry(p.ref, plannedToAction[p.action], wave, p.diff, p.takeOver));
        applied.push({ ref: p.ref, fingerprint: applyFingerprint(payload, live) });
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

async function awaitEstablished(ctx: Ctx, wave: number): Promise<TaskOutcome> {
  const crds = ctx.state.planned.filter((p) => p.wave === wave && p.ref.kind === 'CustomResourceDefinition');
  const pending: string[] = [];
  for (const p of crds) {
    const live = await ctx.rm.get(p.ref);
    const conditions =
      (live?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
    if (!conditions.some((c) => c.type === 'Established' && c.status === 'True'))
      pending.push(formatRef(p.ref));
  }
  if (pending.length > 0) return { waitFor: `${pending.join(', ')} to be Established` };
  ctx.rm.discovery.invalidate();
  return done;
}

async function deleteForReplace(ctx: Ctx, wave: number): Promise<TaskOutcome> {
  for (const p of ctx.state.planned.filter((p) => p.wave === wave && p.action === 'replace')) {
    await ctx.rm.delete(p.ref, 'Foreground');
  }
  return done;
}

async function awaitReplacedGone(ctx: Ctx, wave: number): Promise<TaskOutcome> {
  const still: string[] = [];
  for (const p of ctx.state.planned.filter((p) => p.wave === wave && p.action === 'replace')) {
    if (await ctx.rm.get(p.ref)) still.push(formatRef(p.ref));
  }
  return still.length > 0
    ? { waitFor: `${still.join(', ')} to be deleted before re-creation (Replace=true)` }
    : done;
}

async function pruneWave(ctx: Ctx, wave: number | 'last'): Promise<TaskOutcome> {
  const { rm, o, state } = ctx;
  const items = state.prunes.filter((p) => p.action === 'prune' && (wave === 'last' || p.wave === wave));
  // Dependants first (Deployments before their Namespace), as kubectl and Argo CD delete.
  const asObject = (p: PlannedPrune): KubeObject => ({
    apiVersion: 'v1',
    kind: p.ref.kind,
    metadata: { name: p.ref.name, namespace: p.ref.namespace },
  });
  items.sort((a, b) => compareForDelete(asObject(a), asObject(b)));
  const failures: string[] = [];
  for (const p of items) {
    try {
      await rm.delete(p.ref, o.propagationPolicy);
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

async function awaitHealthy(ctx: Ctx, wave: number | 'all'): Promise<TaskOutcome> {
  const { rm, state } = ctx;
  const items = state.planned.filter((p) => wave === 'all' || p.wave === wave);
  const progressing: string[] = [];
  const degraded: string[] = [];
  await Promise.all(
    items.map(async (p) => {
      const health = assessHealth(await rm.get(p.ref));
      const result = state.results.find((r) => refKey(r.ref) === p.key);
      if (result && health) result.health = health;
      if (!health || health.status === 'Healthy') return;
      const line = `${formatRef(p.ref)} is ${health.status}${health.message ? `: ${health.message}` : ''}`;
      if (health.status === 'Degraded') degraded.push(line);
      else if (health.status !== 'Suspended') progressing.push(line);
    }),
  );
  if (degraded.length > 0)
    return {
      fail: `health check failed${wave === 'all' ? '' : ` in wave ${wave}`}:\n  ${degraded.join('\n  ')}`,
    };
  if (progressing.length > 0) return { waitFor: progressing.join('; ') };
  return done;
}

function hooksFor(ctx: Ctx, phase: HookPhase, wave?: number): PreparedObject[] {
  return ctx.set.hooks
    .filter((h) => h.hookTypes.includes(phase) && (wave === undefined || waveOf(h) === wave))
    .sort((a, b) => waveOf(a) - waveOf(b) || compareForApply(a.object, b.object));
}

async function startHooks(ctx: Ctx, phase: HookPhase, wave?: number): Promise<TaskOutcome> {
  const { rm, state } = ctx;
  for (const hook of hooksFor(ctx, phase, wave)) {
    if (state.hooks.some((h) => h.templateKey === hook.key && h.phase === phase)) continue; // resumed step
    const info = hook.info!;
    const policies = hookDeletePoliciesOf(hook.object);
    try {
      let created: KubeObject;
      if (hook.object.metadata.name) {
        if (policies.includes('BeforeHookCreation') && (await rm.delete(hook.ref, 'Foreground'))) {
          return { waitFor: `${formatRef(hook.ref)} (previous hook run) to be deleted` };
        }
        created = await rm.apply(info, hook.object, {
          force: ctx.o.forcePolicy === 'always',
          fieldValidation: ctx.o.fieldValidation,
        });
      } else {
        created = await rm.create(info, hook.object);
      }
      const ref = { ...hook.ref, name: created.metadata.name };
      state.hooks.push({ templateKey: hook.key, phase, ref, status: 'Running' });
    } catch (err) {
      const message = describeApplyError(hook.ref, `${phase} hook create`, err);
      state.results.push({ ref: hook.ref, action: 'failed', hookPhase: phase, message });
      return { fail: message };
    }
  }
  return done;
}

async function awaitHooks(ctx: Ctx, phase: HookPhase, wave?: number): Promise<TaskOutcome> {
  const { rm, state } = ctx;
  const keys = new Set(hooksFor(ctx, phase, wave).map((h) => h.key));
  const runs = state.hooks.filter((h) => h.phase === phase && keys.has(h.templateKey));
  const running: string[] = [];
  for (const run of runs.filter((r) => r.status === 'Running')) {
    const live = await rm.get(run.ref);
    const status = hookStatus(live);
    if (status.state === 'Running') {
      running.push(`${formatRef(run.ref)} (${phase} hook)`);
      continue;
    }
    run.status = status.state;
    run.message = status.message;
    state.results.push({
      ref: run.ref,
      action: status.state === 'Succeeded' ? 'created' : 'failed',
      hookPhase: phase,
      message: status.message,
    });
    const policies = hookDeletePoliciesOf(ctx.byKey.get(run.templateKey)?.object ?? live!);
    if (
      (status.state === 'Succeeded' && policies.includes('HookSucceeded')) ||
      (status.state === 'Failed' && policies.includes('HookFailed'))
    ) {
      await rm.delete(run.ref, 'Background');
    }
  }
  if (running.length > 0) return { waitFor: running.join(', ') };
  const failed = runs.filter((r) => r.status === 'Failed');
  if (failed.length > 0 && phase !== 'SyncFail') {
    return {
      fail: `${phase} hook failed: ${failed.map((r) => `${formatRef(r.ref)}${r.message ? `: ${r.message}` : ''}`).join('; ')}`,
    };
  }
  return done;
}

function hookStatus(live: KubeObject | undefined): { state: HookRun['status']; message?: string } {
  if (!live) return { state: 'Failed', message: 'hook object disappeared before it completed' };
  if (live.kind === 'Pod') {
    const phase = (live.status as { phase?: string } | undefined)?.phase;
    if (phase === 'Succeeded') return { state: 'Succeeded' };
    if (phase === 'Failed') return { state: 'Failed', message: 'pod failed' };
    return { state: 'Running' };
  }
  const health = assessHealth(live);
  if (!health || health.status === 'Healthy') return { state: 'Succeeded', message: health?.message };
  if (health.status === 'Degraded') return { state: 'Failed', message: health.message };
  return { state: 'Running' };
}

/** Runs a sync to its end in this process, sleeping between steps (CLI, local mode, tests). */
export async function runSync(
  rm: ResourceManager,
  req: SyncRequest,
  onStep?: (s: SyncState) => void,
): Promise<SyncState> {
  let result = await stepSync(rm, req);
  for (;;) {
    onStep?.(result.state);
    if (result.nextStepInMs === undefined) return result.state;
    await new Promise((r) => setTimeout(r, result.nextStepInMs));
    result = await stepSync(rm, req, result.state);
  }
}
