// The hook verb: resource hooks (PreSync, Sync, PostSync, SyncFail) as Argo CD runs them. A hook
// with generateName gets a fresh object each run; a named one is applied (deleted first under
// BeforeHookCreation). Its end is read from the live object, and its delete policies
// (HookSucceeded, HookFailed) are honoured once it ends.
import type { KubeObject } from '../domain/kube-object.js';
import { formatRef } from '../domain/kube-object.js';
import { hookDeletePoliciesOf, syncWaveOf } from './annotations.js';
import { describeApplyError } from './apply.js';
import { assessHealth } from './health.js';
import { compareForApply } from './order.js';
import type { PreparedObject } from './prepare.js';
import { done } from './sync-tasks.js';
import type { HookPhase, HookRun, TaskContext, TaskOutcome } from './sync-types.js';

function hooksFor(ctx: TaskContext, phase: HookPhase, wave?: number): PreparedObject[] {
  return ctx.set.hooks
    .filter((h) => h.hookTypes.includes(phase) && (wave === undefined || syncWaveOf(h.object) === wave))
    .sort((a, b) => syncWaveOf(a.object) - syncWaveOf(b.object) || compareForApply(a.object, b.object));
}

/** Creates the phase's hooks (of one wave for Sync hooks) that this sync has not created yet. */
export async function startHooks(ctx: TaskContext, phase: HookPhase, wave?: number): Promise<TaskOutcome> {
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

/** Waits for the phase's hooks to end, applies their delete policies, and fails the sync if one failed. */
export async function awaitHooks(ctx: TaskContext, phase: HookPhase, wave?: number): Promise<TaskOutcome> {
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

/** A Pod hook ends with its phase; any other kind when its health is Healthy (done) or Degraded. */
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
