// From an App, its Project, the pending request and the cluster to the engine's options, the
// retry policy and the prune propagation policy: every place that reads sync options reads here.
import { syncOption, type App, type Cluster, type Project } from '../domain/app.js';
import type { PropagationPolicy } from '../engine/apply.js';
import type { SyncOptions } from '../engine/sync-operation.js';
import type { SyncRequest } from '../ports/state-store.js';
import { checkObjectScope } from './project-scope.js';
import type { RetryPolicy } from './retry.js';

/** Automated sync is on (an `automated` block that is not `enabled: false`). */
export function isAutomated(app: App): boolean {
  return Boolean(app.syncPolicy.automated) && app.syncPolicy.automated?.enabled !== false;
}

/** Automated with self-heal: drift found by a refresh is synced away. */
export function isSelfHealing(app: App): boolean {
  return isAutomated(app) && app.syncPolicy.automated?.selfHeal === true;
}

/** A manual sync asked for a dry run. */
export function isDryRun(request: SyncRequest | undefined): boolean {
  return request?.reason === 'manual' && request.dryRun === true;
}

/** A manual sync's own deadline when it asked for one, else the installation's. */
export function operationTimeoutMs(request: SyncRequest | undefined, installationMs: number): number {
  return request?.reason === 'manual' && request.timeoutSeconds !== undefined
    ? request.timeoutSeconds * 1000
    : installationMs;
}

/** `PrunePropagationPolicy=` as the engine names it (default foreground, as Argo CD). */
export function propagationOf(value: string | undefined): PropagationPolicy {
  const v = value?.toLowerCase();
  return v === 'background' ? 'Background' : v === 'orphan' ? 'Orphan' : 'Foreground';
}

/** Argo CD's retry defaults: automated apps retry 5 times, manual ones not at all. */
export function retryPolicyOf(app: App): RetryPolicy {
  const r = app.syncPolicy.retry;
  return {
    limit: r?.limit ?? (app.syncPolicy.automated ? 5 : 0),
    duration: r?.backoff?.duration ?? '5s',
    factor: r?.backoff?.factor ?? 2,
    maxDuration: r?.backoff?.maxDuration ?? '3m',
  };
}

/** The engine's options for one sync (or refresh) of app under project on cluster. */
export function syncOptionsOf(
  app: App,
  project: Project,
  request: SyncRequest | undefined,
  cluster: Cluster,
  timeoutMs: number,
): Partial<SyncOptions> {
  const automated = app.syncPolicy.automated;
  const prune = request?.reason === 'manual' ? (request.prune ?? false) : Boolean(automated?.prune);
  return {
    appName: app.name,
    destinationNamespace: app.destination.namespace,
    dryRun: isDryRun(request),
    prune,
    pruneLast: syncOption(app, 'PruneLast') === 'true',
    confirmPrune: request?.reason === 'manual' && request.prune === true,
    allowEmpty: Boolean(automated?.allowEmpty),
    createNamespace: syncOption(app, 'CreateNamespace') === 'true',
    managedNamespaceMetadata: app.syncPolicy.managedNamespaceMetadata,
    fieldValidation: syncOption(app, 'Validate') === 'false' ? 'Ignore' : 'Strict',
    ignoreDifferences: app.ignoreDifferences,
    respectIgnoreDifferences: syncOption(app, 'RespectIgnoreDifferences') === 'true',
    failOnSharedResource: syncOption(app, 'FailOnSharedResource') === 'true',
    propagationPolicy: propagationOf(syncOption(app, 'PrunePropagationPolicy')),
    timeoutMs,
    stepBudgetMs: 60_000,
    admit: (set) => checkObjectScope(set, app, project, cluster),
  };
}
