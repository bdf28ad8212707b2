// The wait verb: tasks that read the cluster and either move on or name what they wait for. They
// never sleep: a waiting task makes the step return, and the caller steps again later.
import { formatRef, refKey } from '../domain/kube-object.js';
import type { HealthStatus } from '../domain/health.js';
import { done } from './sync-tasks.js';
import type { TaskContext, TaskOutcome } from './sync-types.js';

/** The wave's CRDs are Established (their kinds are served), so discovery is refreshed for what follows. */
export async function awaitEstablished(ctx: TaskContext, wave: number): Promise<TaskOutcome> {
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

/** The wave's Replace=true objects deleted by the previous task are gone, so they can be created again. */
export async function awaitReplacedGone(ctx: TaskContext, wave: number): Promise<TaskOutcome> {
  const still: string[] = [];
  for (const p of ctx.state.planned.filter((p) => p.wave === wave && p.action === 'replace')) {
    if (await ctx.rm.get(p.ref)) still.push(formatRef(p.ref));
  }
  return still.length > 0
    ? { waitFor: `${still.join(', ')} to be deleted before re-creation (Replace=true)` }
    : done;
}

/** Health gate: the wave's objects (or all) are Healthy or Suspended; a Degraded one fails the sync. */
export async function awaitHealthy(ctx: TaskContext, wave: number | 'all'): Promise<TaskOutcome> {
  const { rm, state } = ctx;
  const items = state.planned.filter((p) => wave === 'all' || p.wave === wave);
  const progressing: string[] = [];
  const degraded: string[] = [];
  // Objects this step applied and found Healthy (or without health) in the apply's answer are
  // not read again; the rest are read together (a LIST per kind and namespace where a wave has
  // many), and looked up by key.
  const settled = (key: string) => {
    if (!ctx.healthAfterApply.has(key)) return false;
    const h = ctx.healthAfterApply.get(key);
    return !h || h.status === 'Healthy';
  };
  const lives = await rm.getMany(items.filter((p) => !settled(p.key)).map((p) => p.ref));
  const results = new Map(state.results.map((r) => [refKey(r.ref), r]));
  await Promise.all(
    items.map(async (p) => {
      let health: HealthStatus | undefined;
      if (settled(p.key)) health = ctx.healthAfterApply.get(p.key);
      else {
        const live = lives.get(p.key);
        ctx.observed?.set(p.key, live);
        health = await rm.assessHealth(live);
      }
      const result = results.get(p.key);
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
