import type { KubeObject } from '../domain/kube-object.js';
import { formatRef, refKey } from '../domain/kube-object.js';
import { annotationKeys, hasSyncOption, syncWaveOf } from './annotations.js';
import {
  applyAccepted,
  applyObject,
  describeApplyError,
  getObject,
  fieldConflicts,
  isImmutableFieldError,
  mayForce,
} from './apply.js';
import { applyFingerprint } from './fingerprint.js';
import { diffObjects, ignoredPointers, removePointer } from './diff.js';
import { KubeApiError, SyncRefusedError } from './errors.js';
import { readLiveState } from './live-state.js';
import type { PreparedObject, PreparedSet } from './prepare.js';
import { planPrune } from './prune.js';
import { defaultPlanOptions, type PlanOptions } from './sync-options.js';
import type { PlanContext, PlannedObject, SyncPlan } from './sync-types.js';

/** What is applied for a prepared object under these options (ignored fields left out if asked). */
export function applyPayload(
  p: PreparedObject,
  opts: Pick<PlanOptions, 'ignoreDifferences' | 'respectIgnoreDifferences'>,
): KubeObject {
  if (!opts.respectIgnoreDifferences) return p.object;
  const pointers = ignoredPointers(p.object, opts.ignoreDifferences);
  if (pointers.length === 0) return p.object;
  const copy = structuredClone(p.object);
  for (const ptr of pointers) removePointer(copy, ptr);
  return copy;
}

/**
 * Dry-runs every desired object (server-side apply, dryRun=All) against its live copy and works
 * out the prune set from the inventory. Nothing is written. Objects whose CRD or namespace is
 * created by this same sync are deferred: their dry run happens in their wave, before any write
 * of that wave.
 */
export async function planSync(
  ctx: PlanContext,
  set: PreparedSet,
  options: Partial<PlanOptions> = {},
): Promise<SyncPlan> {
  const opts = { ...defaultPlanOptions, ...options };
  if (set.resources.length === 0 && !opts.allowEmpty) {
    throw new SyncRefusedError(
      'empty-render',
      'the render produced no objects: refusing to sync (and prune) an empty set; set allowEmpty if the app really should be empty',
    );
  }
  const plan: SyncPlan = { objects: [], prune: [], errors: [], warnings: [] };
  const fingerprints = new Map(
    opts.inventory.filter((e) => e.fingerprint).map((e) => [refKey(e), e.fingerprint]),
  );
  const namespacesCreated = new Set([
    ...opts.createdNamespaces,
    ...set.resources
      .filter((p) => p.object.kind === 'Namespace' && p.ref.group === '')
      .map((p) => p.ref.name),
  ]);

  // A namespace this sync creates that does not exist yet holds nothing: its objects are neither
  // read nor dry-run now (the answer could only be 404), only deferred to their wave.
  const absent = await absentNamespaces(ctx, namespacesCreated, set);
  const inAbsent = (p: PreparedObject) =>
    p.info!.namespaced
      ? p.ref.namespace !== undefined && absent.has(p.ref.namespace)
      : p.ref.kind === 'Namespace' && p.ref.group === '' && absent.has(p.ref.name);
  const resolved = set.resources.filter((p) => p.info && !inAbsent(p));
  const live = await readLiveState(
    ctx.client,
    resolved.map((p) => ({ key: p.key, info: p.info!, namespace: p.ref.namespace, name: p.ref.name })),
    ctx.run,
  );
  plan.live = live;

  await Promise.all(
    set.resources.map(async (p) => {
      const wave = syncWaveOf(p.object);
      if (!p.info) {
        plan.objects.push({
          key: p.key,
          ref: p.ref,
          wave,
          action: 'deferred',
          reason: 'its CustomResourceDefinition is applied by this sync',
        });
        return;
      }
      if (p.info.namespaced && inAbsent(p)) {
        plan.objects.push({
          key: p.key,
          ref: p.ref,
          wave,
          action: 'deferred',
          reason: `namespace ${p.ref.namespace} is created by this sync`,
        });
        return;
      }
      const current = live.get(p.key);
      const owner = current?.metadata.annotations?.[annotationKeys.trackingApp];
      if (owner && opts.appName && owner !== opts.appName) {
        const msg = `${formatRef(p.ref)} is already managed by app ${owner}`;
        if (opts.failOnSharedResource) {
          plan.errors.push({ ref: p.ref, message: `${msg} (FailOnSharedResource)` });
          return;
        }
        plan.warnings.push(msg);
      }
      plan.objects.push(
        await planObject(ctx, p, current, wave, namespacesCreated, opts, plan, fingerprints.get(p.key)),
      );
    }),
  );
  if (opts.prune) plan.prune = await planPrune(ctx, set, opts);
  return plan;
}

/**
 * The namespaces this sync creates that the cluster does not have yet: one GET each. One that
 * cannot be read (no permission to get namespaces) counts as present, so its objects take the
 * usual path (read and dry-run).
 */
async function absentNamespaces(
  ctx: PlanContext,
  created: Set<string>,
  set: PreparedSet,
): Promise<Set<string>> {
  const used = new Set(
    set.resources
      .filter((p) => p.info?.namespaced && p.ref.namespace && created.has(p.ref.namespace))
      .map((p) => p.ref.namespace!),
  );
  const absent = new Set<string>();
  if (used.size === 0) return absent;
  const info = await ctx.discovery.resolve('v1', 'Namespace');
  if (!info) return absent;
  await Promise.all(
    [...used].map(async (ns) => {
      const live = await ctx.run(() => getObject(ctx.client, info, undefined, ns)).catch(() => null);
      if (live === undefined) absent.add(ns);
    }),
  );
  return absent;
}

async function planObject(
  ctx: PlanContext,
  p: PreparedObject,
  current: KubeObject | undefined,
  wave: number,
  namespacesCreated: Set<string>,
  opts: PlanOptions,
  plan: SyncPlan,
  lastFingerprint: string | undefined,
): Promise<PlannedObject> {
  const base = { key: p.key, ref: p.ref, wave };
  const payload = applyPayload(p, opts);
  // Same payload, and the live object still carries exactly the fields our last apply left it:
  // a dry run could only answer "no change", so it is not sent (this is what makes no-op syncs cheap).
  if (current && lastFingerprint && applyFingerprint(payload, current) === lastFingerprint) {
    return { ...base, action: 'unchanged', fingerprint: lastFingerprint };
  }
  // A real sync creating an object reads nothing of the dry run's answer but its acceptance.
  const answerRead = current !== undefined || opts.dryRun;
  const dryRun = (force: boolean): Promise<KubeObject | undefined> =>
    ctx.run(() => {
      const o = { dryRun: true, force, fieldValidation: opts.fieldValidation };
      return answerRead
        ? applyObject(ctx.client, p.info!, payload, o)
        : applyAccepted(ctx.client, p.info!, payload, o).then(() => undefined);
    });
  try {
    let predicted: KubeObject | undefined;
    let takeOver: string | undefined;
    try {
      predicted = await dryRun(opts.forcePolicy === 'always');
    } catch (err) {
      const conflicts = fieldConflicts(err);
      if (!conflicts || !mayForce(opts.forcePolicy, conflicts)) throw err;
      predicted = await dryRun(true);
      takeOver = `takes over ${conflicts.map((c) => `${c.field} from ${c.manager}`).join(', ')} (manual edit; Git wins)`;
    }
    // A dry run shows a missing object whole, as added (Secret values masked); a real sync does
    // not keep that text in its state and history.
    if (!current)
      return opts.dryRun
        ? { ...base, action: 'create', diff: diffObjects(formatRef(p.ref), undefined, predicted!).text }
        : { ...base, action: 'create' };
    const d = diffObjects(
      formatRef(p.ref),
      current,
      predicted!,
      ignoredPointers(p.object, opts.ignoreDifferences),
    );
    if (!d.changed) return { ...base, action: 'unchanged', fingerprint: applyFingerprint(payload, current) };
    return { ...base, action: 'update', diff: d.text, ...(takeOver ? { takeOver } : {}) };
  } catch (err) {
    const ns = p.ref.namespace;
    if (
      !current &&
      ns &&
      err instanceof KubeApiError &&
      err.httpStatus === 404 &&
      namespacesCreated.has(ns)
    ) {
      return { ...base, action: 'deferred', reason: `namespace ${ns} is created by this sync` };
    }
    if (current && isImmutableFieldError(err) && hasSyncOption(p.object, 'Replace')) {
      return { ...base, action: 'replace', reason: describeApplyError(p.ref, 'dry-run', err) };
    }
    plan.errors.push({ ref: p.ref, message: describeApplyError(p.ref, 'dry-run', err) });
    return { ...base, action: 'update' };
  }
}
