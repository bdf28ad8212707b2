// The shapes a sync passes between its verb files (plan, prune, wait, hooks, tasks). Types only, no
// code: every verb file may import this one, and it imports no verb file, so the engine has no import
// cycle (resource-manager → plan → prune → sync-tasks would close one through the task context).
import type { HealthStatus } from '../domain/health.js';
import type { ChangeSetEntry } from '../domain/change-set.js';
import type { InventoryEntry, KubeObject, ObjectRef } from '../domain/kube-object.js';
import type { HookDeletePolicy, HookType } from './annotations.js';
import type { ApplyOptions, PropagationPolicy } from './apply.js';
import type { Discovery, ResourceInfo } from './discovery.js';
import type { KubeClient } from './kube-client.js';
import type { DesiredObject, PreparedObject, PreparedSet, PrepareOptions } from './prepare.js';
import type { PlanOptions, SyncOptions } from './sync-options.js';

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
  /** For skipped prunes: the name of the prune filter that held it (prune-filters.ts). */
  heldBy?: string;
  /** Dry runs only: the live object as a unified diff to nothing. */
  diff?: string;
  /**
   * Already gone from the cluster (or being deleted) when planned — e.g. deleted by a worker that
   * died before recording it: nothing to delete, but it leaves the inventory and history says so.
   */
  gone?: true;
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
  /** The live objects the plan read (undefined: read, and not there), by key. Not kept in state. */
  live?: Map<string, KubeObject | undefined>;
}

/** What planning reads the cluster with: the client, its discovery, and the concurrency bound. */
export interface PlanContext {
  client: KubeClient;
  discovery: Discovery;
  run: <T>(fn: () => Promise<T>) => Promise<T>;
}

/** What a sync is asked to reach (the port's SyncRequest is the wish that starts one). */
export interface SyncInput {
  desired: DesiredObject[];
  /** What Gitferry applied for this app before: the only objects it may prune. */
  inventory: InventoryEntry[];
  options?: Partial<SyncOptions>;
  /** Hand back what the step saw of the objects (SyncStepResult.observed), for the app's health. */
  observe?: boolean;
}

export type HookPhase = Exclude<HookType, 'Skip'>;

/** One unit of work; a sync is a list of them, run in order, resumable at any of them. */
export type SyncTask =
  | { kind: 'plan' }
  | { kind: 'namespace' }
  | { kind: 'hooks'; phase: HookPhase; wave?: number }
  | { kind: 'hooksDone'; phase: HookPhase; wave?: number }
  /** Delete policies of a phase's hooks, once every hook of it ended (all but SyncFail when unset). */
  | { kind: 'hookCleanup'; phase?: HookPhase }
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
  /**
   * Lost: the object disappeared before Gitferry read its result (someone removed its hook
   * finalizer or force-deleted it), so its outcome is unknown.
   */
  status: 'Running' | 'Succeeded' | 'Failed' | 'Lost';
  message?: string;
  /** Its delete policies, as its manifest said when it was created. */
  policies?: HookDeletePolicy[];
  /** Its delete policy has been applied (once its whole phase ended). */
  settled?: boolean;
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
  /**
   * The objects as the cluster last answered for them in this step (the plan's reads, apply
   * answers, health gates; undefined: not there), by key: what the caller may assess health from
   * instead of reading them again. Only with SyncInput.observe; not part of the state.
   */
  observed?: Map<string, KubeObject | undefined>;
}

/** How a task ended this step: done (move on), waiting (step again later) or failed. */
export type TaskOutcome = { done: true } | { waitFor: string } | { fail: string };

/**
 * The ResourceManager verbs a sync calls. An interface here, so that the task context does not
 * import the class (whose plan() imports the prune verb, which runs as a task), and so a sync can be
 * stepped against a stand-in.
 */
export interface ResourceVerbs {
  readonly discovery: Discovery;
  prepare(desired: DesiredObject[], opts?: PrepareOptions): Promise<PreparedSet>;
  plan(set: PreparedSet, opts?: Partial<PlanOptions>): Promise<SyncPlan>;
  apply(info: ResourceInfo, obj: KubeObject, opts?: Partial<ApplyOptions>): Promise<KubeObject>;
  create(info: ResourceInfo, obj: KubeObject): Promise<KubeObject>;
  get(ref: ObjectRef): Promise<KubeObject | undefined>;
  /** Live copies of many objects, keyed by refKey (undefined when missing), in few requests. */
  getMany(refs: ObjectRef[]): Promise<Map<string, KubeObject | undefined>>;
  delete(ref: ObjectRef, propagationPolicy: PropagationPolicy): Promise<boolean>;
  /** Takes these finalizers off the live object; undefined when it is gone. */
  removeFinalizers(ref: ObjectRef, finalizers: readonly string[]): Promise<KubeObject | undefined>;
  /** Objects of a kind (in kind.namespace, if namespaced) carrying the selector's labels. */
  list(
    kind: Pick<ObjectRef, 'group' | 'version' | 'kind' | 'namespace'>,
    selector: Record<string, string>,
  ): Promise<KubeObject[]>;
  /** Health of a live object: the installation's custom checks, then the built-in ones. */
  assessHealth(live: KubeObject | undefined): Promise<HealthStatus | undefined>;
}

/** What every task of one step works with. */
export interface TaskContext {
  rm: ResourceVerbs;
  o: SyncOptions;
  set: PreparedSet;
  byKey: Map<string, PreparedObject>;
  state: SyncState;
  /** What this step saw of the objects (SyncStepResult.observed), when the caller asked for it. */
  observed?: Map<string, KubeObject | undefined>;
  /**
   * Health of the objects this step applied, judged on the apiserver's answer to the apply (the
   * object as just written): the health gate of the same step reads again only those not Healthy.
   */
  healthAfterApply: Map<string, HealthStatus | undefined>;
}
