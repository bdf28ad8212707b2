// The hook verb: resource hooks (PreSync, Sync, PostSync, SyncFail) as Argo CD runs them. A hook
// with generateName gets a fresh object each run (the server names it); a named one is applied
// (deleted first under BeforeHookCreation). Hooks of a phase run wave by wave (sync-wave, else
// helm.sh/hook-weight). Every hook is created holding Gitferry's finalizer, so that a Job with
// `ttlSecondsAfterFinished: 0` stays readable until its result is read (argo-cd#6880 had them
// vanish and count as failed); the finalizer comes off once the result is read. Delete policies
// (HookSucceeded, HookFailed) are applied once every hook of the phase has ended, as Helm and
// Argo CD do, so a hook ServiceAccount is not deleted under the hook Job still using it.
import { createHash } from 'node:crypto';
import type { KubeObject, ObjectRef } from '../domain/kube-object.js';
import { formatRef } from '../domain/kube-object.js';
import { hookDeletePoliciesOf, syncWaveOf } from './annotations.js';
import { describeApplyError } from './apply.js';
import { assessHealth } from './health.js';
import { compareForApply } from './order.js';
import type { PreparedObject } from './prepare.js';
import { done } from './sync-tasks.js';
import type { HookPhase, HookRun, ResourceVerbs, SyncState, TaskContext, TaskOutcome } from './sync-types.js';

/** Held by every hook Gitferry creates until it has read the hook's result. */
export const hookFinalizer = 'gitferry.dev/hook-finalizer';
/** Argo CD's own: released too, so hooks left by Argo CD (or a migration from it) never hang. */
export const argoHookFinalizer = 'argocd.argoproj.io/hook-finalizer';
const hookFinalizers = [hookFinalizer, argoHookFinalizer] as const;
/** On generateName hooks: which app and hook template made them, for BeforeHookCreation. */
export const hookTemplateLabel = 'gitferry.dev/hook-template';

function hooksFor(ctx: TaskContext, phase: HookPhase, wave?: number): PreparedObject[] {
  return ctx.set.hooks
    .filter((h) => h.hookTypes.includes(phase) && (wave === undefined || syncWaveOf(h.object) === wave))
    .sort((a, b) => syncWaveOf(a.object) - syncWaveOf(b.object) || compareForApply(a.object, b.object));
}

/** A label value naming one hook template of one app (a hash: label values are short and plain). */
function templateLabelValue(app: string | undefined, templateKey: string): string {
  return createHash('sha256')
    .update(`${app ?? ''}\0${templateKey}`)
    .digest('hex')
    .slice(0, 40);
}

/** The hook as created: holding the finalizer, and (generateName) labelled with its template. */
function markedHook(hook: PreparedObject, app: string | undefined): KubeObject {
  const object = structuredClone(hook.object);
  object.metadata.finalizers = [...new Set([...(object.metadata.finalizers ?? []), hookFinalizer])];
  if (!object.metadata.name)
    object.metadata.labels = {
      ...object.metadata.labels,
      [hookTemplateLabel]: templateLabelValue(app, hook.key),
    };
  return object;
}

/** Lets the hook go (finalizers off), then deletes it; true while it still exists. */
async function releaseAndDelete(
  rm: ResourceVerbs,
  ref: ObjectRef,
  policy: 'Foreground' | 'Background',
): Promise<boolean> {
  const live = await rm.removeFinalizers(ref, hookFinalizers);
  if (!live) return false;
  if (!live.metadata.deletionTimestamp) await rm.delete(ref, policy);
  return true;
}

/** BeforeHookCreation: the previous run's objects of this hook, deleted; true while any still exists. */
async function deletePreviousRun(ctx: TaskContext, hook: PreparedObject): Promise<boolean> {
  const { rm } = ctx;
  if (hook.object.metadata.name) return releaseAndDelete(rm, hook.ref, 'Foreground');
  const previous = await rm.list(hook.ref, {
    [hookTemplateLabel]: templateLabelValue(ctx.o.appName, hook.key),
  });
  let remaining = false;
  for (const p of previous) {
    const ref = { ...hook.ref, name: p.metadata.name };
    if (await releaseAndDelete(rm, ref, 'Foreground')) remaining = true;
  }
  return remaining;
}

/** Creates the phase's hooks (of one wave) that this sync has not created yet. */
export async function startHooks(ctx: TaskContext, phase: HookPhase, wave?: number): Promise<TaskOutcome> {
  const { rm, state } = ctx;
  for (const hook of hooksFor(ctx, phase, wave)) {
    if (state.hooks.some((h) => h.templateKey === hook.key && h.phase === phase)) continue; // resumed step
    const info = hook.info!;
    const policies = hookDeletePoliciesOf(hook.object);
    try {
      if (policies.includes('BeforeHookCreation') && (await deletePreviousRun(ctx, hook))) {
        return { waitFor: `${formatRef(hook.ref)} (previous hook run) to be deleted` };
      }
      const object = markedHook(hook, ctx.o.appName);
      const created = object.metadata.name
        ? await rm.apply(info, object, {
            force: ctx.o.forcePolicy === 'always',
            fieldValidation: ctx.o.fieldValidation,
          })
        : await rm.create(info, object);
      const ref = { ...hook.ref, name: created.metadata.name };
      state.hooks.push({ templateKey: hook.key, phase, ref, status: 'Running', policies });
    } catch (err) {
      const message = describeApplyError(hook.ref, `${phase} hook create`, err);
      state.results.push({ ref: hook.ref, action: 'failed', hookPhase: phase, message });
      return { fail: message };
    }
  }
  return done;
}

/** Waits for the phase's hooks (of one wave) to end, reads and releases each, and fails the sync if one failed. */
export async function awaitHooks(ctx: TaskContext, phase: HookPhase, wave?: number): Promise<TaskOutcome> {
  const { rm, state } = ctx;
  const keys = new Set(hooksFor(ctx, phase, wave).map((h) => h.key));
  const runs = state.hooks.filter((h) => h.phase === phase && keys.has(h.templateKey));
  const running: string[] = [];
  for (const run of runs.filter((r) => r.status === 'Running')) {
    const status = hookStatus(await rm.get(run.ref));
    if (status.state === 'Running') {
      running.push(`${formatRef(run.ref)} (${phase} hook)`);
      continue;
    }
    // The result is read: the hook may go now (a TTL-0 Job is removed by Kubernetes right away).
    await rm.removeFinalizers(run.ref, hookFinalizers);
    run.status = status.state;
    run.message = status.message;
    state.results.push({
      ref: run.ref,
      action: status.state === 'Succeeded' ? 'created' : 'failed',
      hookPhase: phase,
      message: status.message,
    });
  }
  if (running.length > 0) return { waitFor: running.join(', ') };
  const failed = runs.filter((r) => r.status === 'Failed' || r.status === 'Lost');
  if (failed.length > 0 && phase !== 'SyncFail') {
    const what = failed.every((r) => r.status === 'Lost') ? 'hook outcome unknown' : 'hook failed';
    return {
      fail: `${phase} ${what}: ${failed.map((r) => `${formatRef(r.ref)}${r.message ? `: ${r.message}` : ''}`).join('; ')}`,
    };
  }
  return done;
}

/**
 * Applies the delete policies of ended hooks (of `phase`, or of every phase but SyncFail): each
 * is deleted when its outcome matches a policy. Runs once the whole phase has ended.
 */
export async function cleanUpHooks(ctx: TaskContext, phase?: HookPhase): Promise<TaskOutcome> {
  await settleHooks(ctx.rm, ctx.state, phase, (key) => ctx.byKey.get(key)?.object);
  return done;
}

/** The delete policies of ended, unsettled hooks (policies as recorded at creation). */
export async function settleHooks(
  rm: ResourceVerbs,
  state: Pick<SyncState, 'hooks'>,
  phase?: HookPhase,
  templateOf: (key: string) => KubeObject | undefined = () => undefined,
): Promise<void> {
  const runs = state.hooks.filter(
    (r) => !r.settled && r.status !== 'Running' && (phase ? r.phase === phase : r.phase !== 'SyncFail'),
  );
  for (const run of runs) {
    const template = templateOf(run.templateKey);
    const policies = run.policies ?? (template ? hookDeletePoliciesOf(template) : []);
    if (
      (run.status === 'Succeeded' && policies.includes('HookSucceeded')) ||
      (run.status === 'Failed' && policies.includes('HookFailed'))
    ) {
      await releaseAndDelete(rm, run.ref, 'Background');
    }
    run.settled = true;
  }
}

/**
 * Stops every hook still running (a timeout or terminate-op): each is let go and deleted, as Argo
 * CD terminates, and recorded as failed with why. Returns the hooks stopped.
 */
export async function terminateHooks(
  rm: ResourceVerbs,
  state: Pick<SyncState, 'hooks' | 'results'>,
  why: string,
): Promise<string[]> {
  const stopped: string[] = [];
  for (const run of state.hooks.filter((r) => r.status === 'Running')) {
    await releaseAndDelete(rm, run.ref, 'Background');
    run.status = 'Failed';
    run.message = `${why}: deleted while running`;
    run.settled = true;
    state.results.push({ ref: run.ref, action: 'failed', hookPhase: run.phase, message: run.message });
    stopped.push(formatRef(run.ref));
  }
  return stopped;
}

/** A Pod hook ends with its phase; any other kind when its health is Healthy (done) or Degraded. */
function hookStatus(live: KubeObject | undefined): { state: HookRun['status']; message?: string } {
  if (!live)
    return {
      state: 'Lost',
      message: `it disappeared before Gitferry read its result (its ${hookFinalizer} finalizer was removed, or it was force-deleted): outcome unknown`,
    };
  const ended = endOf(live);
  if (ended.state === 'Running' && live.metadata.deletionTimestamp)
    return { state: 'Failed', message: 'it was deleted before it completed' };
  return ended;
}

function endOf(live: KubeObject): { state: HookRun['status']; message?: string } {
  if (live.kind === 'Pod') {
    const phase = (live.status as { phase?: string } | undefined)?.phase;
    if (phase === 'Succeeded') return { state: 'Succeeded' };
    if (phase === 'Failed') return { state: 'Failed', message: 'pod failed' };
    return { state: 'Running' };
  }
  // How the hook ended, even while it is being deleted (a TTL-0 Job held by our finalizer).
  const health = assessHealth({ ...live, metadata: { ...live.metadata, deletionTimestamp: undefined } });
  if (!health || health.status === 'Healthy') return { state: 'Succeeded', message: health?.message };
  if (health.status === 'Degraded') return { state: 'Failed', message: health.message };
  return { state: 'Running' };
}
