import type { InventoryEntry, KubeObject, ObjectRef } from '../domain/kube-object.js';
import { formatRef, refKey } from '../domain/kube-object.js';
import { annotationKeys, hasSyncOption, syncWaveOf } from './annotations.js';
import {
  applyObject,
  describeApplyError,
  fieldConflicts,
  isImmutableFieldError,
  mayForce,
  type ForcePolicy,
} from './apply.js';
import { applyFingerprint } from './fingerprint.js';
import { diffObjects, ignoredPointers, removePointer, type IgnoreDifference } from './diff.js';
import type { Discovery, ResourceInfo } from './discovery.js';
import { KubeApiError, SyncRefusedError } from './errors.js';
import type { KubeClient } from './kube-client.js';
import { readLiveState } from './live-state.js';
import type { PreparedObject, PreparedSet } from './prepare.js';

export type PlannedAction = 'create' | 'update' | 'unchanged' | 'replace' | 'deferred';

export interface PlannedObject {
  key: string;
  ref: ObjectRef;
  wave: number;
  action: PlannedAction;
  diff?: string;
  /** For deferred objects: why the dry run waits until their wave (CRD or namespace created first). */
  reason?: string;
  /** For unchanged objects: their apply fingerprint, kept in the inventory. */
  fingerprint?: string;
  /** Set when the force policy lets this apply take fields over from their manager: which and whose. */
  takeOver?: string;
}

export interface PlannedPrune {
  key: string;
  ref: ObjectRef;
  wave: number;
  action: 'prune' | 'skip';
  reason?: string;
}

export interface PlanError {
  ref: ObjectRef;
  message: string;
}

export interface SyncPlan {
  objects: PlannedObject[];
  prune: PlannedPrune[];
  /** Dry-run failures, each naming its object. A plan with errors must not be applied. */
  errors: PlanError[];
  warnings: string[];
}

export interface PlanOptions {
  /** Keys (`group/Kind/ns/name`) and refs Gitferry applied last time: the only objects it may prune. */
  inventory: InventoryEntry[];
  prune: boolean;
  allowEmpty: boolean;
  /** Conflicts with other field managers: fail, take over manual edits only (default), or always force. */
  forcePolicy: ForcePolicy;
  fieldValidation: 'Strict' | 'Warn' | 'Ignore';
  ignoreDifferences: IgnoreDifference[];
  /** Leave ignored fields out of what is applied, so other owners keep them (RespectIgnoreDifferences). */
  respectIgnoreDifferences: boolean;
  /** Refuse objects whose live copy is tracked by another app. */
  failOnSharedResource: boolean;
  appName?: string;
  /** Namespaces this sync creates before applying (CreateNamespace): objects in them are deferred, not errors. */
  createdNamespaces: string[];
  /**
   * A person asked for this prune (a manual sync with prune). Without it, prunes of Namespaces,
   * PVCs, PVs and CRDs, and prunes of more than half of a large app, are held (safety item 24).
   */
  confirmPrune: boolean;
  /** How many objects an unconfirmed sync may prune when that is more than half of the app. */
  maxUnconfirmedPrunes: number;
}

export const defaultPlanOptions: PlanOptions = {
  inventory: [],
  prune: false,
  allowEmpty: false,
  forcePolicy: 'manual-edits',
  fieldValidation: 'Strict',
  ignoreDifferences: [],
  respectIgnoreDifferences: false,
  failOnSharedResource: false,
  createdNamespaces: [],
  confirmPrune: false,
  maxUnconfirmedPrunes: 10,
};

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

interface PlanContext {
  client: KubeClient;
  discovery: Discovery;
  run: <T>(fn: () => Promise<T>) => Promise<T>;
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

  const resolved = set.resources.filter((p) => p.info);
  const live = await readLiveState(
    ctx.client,
    resolved.map((p) => ({ key: p.key, info: p.info!, namespace: p.ref.namespace, name: p.ref.name })),
    ctx.run,
  );

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
  const dryRun = (force: boolean) =>
    ctx.run(() =>
      applyObject(ctx.client, p.info!, payload, {
        dryRun: true,
        force,
        fieldValidation: opts.fieldValidation,
      }),
    );
  try {
    let predicted: KubeObject;
    let takeOver: string | undefined;
    try {
      predicted = await dryRun(opts.forcePolicy === 'always');
    } catch (err) {
      const conflicts = fieldConflicts(err);
      if (!conflicts || !mayForce(opts.forcePolicy, conflicts)) throw err;
      predicted = await dryRun(true);
      takeOver = `takes over ${conflicts.map((c) => `${c.field} from ${c.manager}`).join(', ')} (manual edit; Git wins)`;
    }
    if (!current) return { ...base, action: 'create' };
    const d = diffObjects(
      formatRef(p.ref),
      current,
      predicted,
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

async function planPrune(ctx: PlanContext, set: PreparedSet, opts: PlanOptions): Promise<PlannedPrune[]> {
  const desired = new Set(set.resources.map((p) => p.key));
  const candidates = opts.inventory.filter((ref) => !desired.has(refKey(ref)));
  const out: PlannedPrune[] = [];
  await Promise.all(
    candidates.map(async (ref) => {
      const key = refKey(ref);
      const info: ResourceInfo | undefined = await ctx.discovery.resolve(
        ref.group ? `${ref.group}/${ref.version}` : ref.version,
        ref.kind,
      );
      if (!info) {
        out.push({
          key,
          ref,
          wave: 0,
          action: 'skip',
          reason: `${formatRef(ref)}: kind no longer served by the cluster; nothing to prune`,
        });
        return;
      }
      const live = (
        await readLiveState(ctx.client, [{ key, info, namespace: ref.namespace, name: ref.name }], ctx.run)
      ).get(key);
      if (!live || live.metadata.deletionTimestamp) return; // already gone or going
      const wave = safeWave(live);
      if (hasSyncOption(live, 'Prune', 'false')) {
        out.push({ key, ref, wave, action: 'skip', reason: `${formatRef(ref)}: Prune=false` });
        return;
      }
      const owner = live.metadata.annotations?.[annotationKeys.trackingApp];
      if (owner && opts.appName && owner !== opts.appName) {
        out.push({
          key,
          ref,
          wave,
          action: 'skip',
          reason: `${formatRef(ref)}: now managed by app ${owner}`,
        });
        return;
      }
      if (!opts.confirmPrune && heldKinds.has(`${ref.group}/${ref.kind}`)) {
        out.push({
          key,
          ref,
          wave,
          action: 'skip',
          reason: `${formatRef(ref)}: held for confirmation (${ref.kind} prunes take data with them); run a manual sync with prune to delete it`,
        });
        return;
      }
      out.push({ key, ref, wave, action: 'prune' });
    }),
  );
  // A render that drops most of an app at once is more often a mistake (a wrong path, a broken
  // overlay) than an intent: such a prune waits for a person too.
  const pruning = out.filter((p) => p.action === 'prune');
  if (
    !opts.confirmPrune &&
    pruning.length > opts.maxUnconfirmedPrunes &&
    pruning.length > opts.inventory.length / 2
  ) {
    for (const p of pruning) {
      p.action = 'skip';
      p.reason = `${formatRef(p.ref)}: held for confirmation (this sync would prune ${pruning.length} of ${opts.inventory.length} objects); run a manual sync with prune to delete them`;
    }
  }
  return out;
}

/** Kinds whose prune deletes data (volumes, everything in a namespace, every custom resource of a CRD). */
const heldKinds = new Set([
  '/Namespace',
  '/PersistentVolumeClaim',
  '/PersistentVolume',
  'apiextensions.k8s.io/CustomResourceDefinition',
]);

function safeWave(obj: KubeObject): number {
  try {
    return syncWaveOf(obj);
  } catch {
    return 0;
  }
}
