import type { InventoryEntry } from '../domain/kube-object.js';
import type { ForcePolicy, PropagationPolicy } from './apply.js';
import type { IgnoreDifference } from './diff.js';
import type { PreparedSet } from './prepare.js';

/**
 * How one sync behaves. This is the one options object of the engine: the plan, the prune
 * safeguards and the tasks all read their settings from it (PlanOptions is a view of it), so a
 * setting is declared and documented once, here.
 */
export interface SyncOptions {
  appName?: string;
  destinationNamespace?: string;
  /** Plan only: report what would change, write nothing. */
  dryRun: boolean;
  prune: boolean;
  /** Prune after every wave has been applied, instead of in each object's wave. */
  pruneLast: boolean;
  /**
   * A person confirmed this prune (manual sync): data-bearing kinds and mass prunes are not held
   * (safety item 24).
   */
  confirmPrune: boolean;
  /** How many objects an unconfirmed sync may prune when that is more than half of the app. */
  maxUnconfirmedPrunes: number;
  allowEmpty: boolean;
  /** Conflicts with other field managers: fail, take over manual edits only, or always force. */
  forcePolicy: ForcePolicy;
  fieldValidation: 'Strict' | 'Warn' | 'Ignore';
  ignoreDifferences: IgnoreDifference[];
  /** Leave ignored fields out of what is applied, so other owners keep them (RespectIgnoreDifferences). */
  respectIgnoreDifferences: boolean;
  /** Refuse objects whose live copy is tracked by another app. */
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
  maxUnconfirmedPrunes: 10,
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

/** What the plan (dry run and prune set) reads: the sync's options plus what the sync knows so far. */
export type PlanOptions = Pick<
  SyncOptions,
  | 'appName'
  | 'dryRun'
  | 'prune'
  | 'allowEmpty'
  | 'forcePolicy'
  | 'fieldValidation'
  | 'ignoreDifferences'
  | 'respectIgnoreDifferences'
  | 'failOnSharedResource'
  | 'confirmPrune'
  | 'maxUnconfirmedPrunes'
> & {
  /** What Gitferry applied last time (refs and fingerprints): the only objects it may prune. */
  inventory: InventoryEntry[];
  /** Namespaces this sync creates before applying (CreateNamespace): objects in them are deferred, not errors. */
  createdNamespaces: string[];
};

export const defaultPlanOptions: PlanOptions = {
  dryRun: defaultSyncOptions.dryRun,
  prune: defaultSyncOptions.prune,
  allowEmpty: defaultSyncOptions.allowEmpty,
  forcePolicy: defaultSyncOptions.forcePolicy,
  fieldValidation: defaultSyncOptions.fieldValidation,
  ignoreDifferences: defaultSyncOptions.ignoreDifferences,
  respectIgnoreDifferences: defaultSyncOptions.respectIgnoreDifferences,
  failOnSharedResource: defaultSyncOptions.failOnSharedResource,
  confirmPrune: defaultSyncOptions.confirmPrune,
  maxUnconfirmedPrunes: defaultSyncOptions.maxUnconfirmedPrunes,
  inventory: [],
  createdNamespaces: [],
};
