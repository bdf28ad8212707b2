// Deleting an app, and with cascade the objects it applied, under its lease so no sync races it.
import { AppBusyError } from '../domain/errors.js';
import { formatRef } from '../domain/kube-object.js';
import type { PropagationPolicy } from '../engine/apply.js';
import { keptOnAppDelete } from '../engine/annotations.js';
import { compareForDelete } from '../engine/order.js';
import { ResourceManager } from '../engine/resource-manager.js';
import { terminateOperation, type OperationTerminator } from './terminate-operation.js';
import {
  clusterOf,
  defaultControlOptions,
  releaseLeaseSoon,
  type Control,
  type ControlDeps,
} from './deps.js';

export interface DeleteAppOptions {
  cascade: boolean;
  propagationPolicy: PropagationPolicy;
}

export interface DeleteAppResult {
  deleted: string[];
  /** `Kind/ns/name (why)` of every object left on the cluster on purpose. */
  kept: string[];
}

/** What deleting needs: the store, the clusters and a lease holder; no git, no renderer. */
export type DeleteAppDeps = Pick<ControlDeps, 'store' | 'connector' | 'clock' | 'log' | 'holder' | 'options'>;

/** Deletes apps (the API's DELETE); WakeUpHandler is one too. */
export interface AppDeleter {
  deleteApp(name: string, opts: DeleteAppOptions): Promise<DeleteAppResult>;
}

export function appDeleterOf(deps: DeleteAppDeps): AppDeleter & OperationTerminator {
  const c = { ...deps, o: { ...defaultControlOptions, ...deps.options } };
  return {
    deleteApp: (name, opts) => deleteApp(c, name, opts),
    terminateOperation: (name) => terminateOperation(c, name),
  };
}

/**
 * Deletes an app. With cascade, every object in its inventory is deleted first (dependants before
 * what they depend on); objects marked `Delete=false` or `helm.sh/resource-policy: keep` are kept
 * and listed with why.
 */
export async function deleteApp(
  c: Pick<Control, 'store' | 'connector' | 'clock' | 'log' | 'holder' | 'o'>,
  name: string,
  opts: DeleteAppOptions,
): Promise<DeleteAppResult> {
  const app = await c.store.getApp(name);
  if (!app) return { deleted: [], kept: [] };
  const lease = await c.store.acquireLease(name, c.holder, c.o.leaseTtlMs, c.clock.now());
  if (!lease) throw new AppBusyError(name);
  const deleted: string[] = [];
  const kept: string[] = [];
  try {
    if (opts.cascade) await deleteChildApps(c, name, opts, deleted);
    const cluster = await clusterOf(c, app);
    const inventory = await c.store.getInventory(name);
    if (opts.cascade && cluster && inventory.length > 0) {
      const rm = new ResourceManager(await c.connector.connect(cluster), c.o.engine);
      try {
        for (const ref of [...inventory].sort(compareForDelete)) {
          const live = await rm.get(ref);
          const keep = live && keptOnAppDelete(live);
          if (keep) {
            kept.push(`${formatRef(ref)} (${keep})`);
            continue;
          }
          if (live) await rm.delete(ref, opts.propagationPolicy);
          deleted.push(formatRef(ref));
        }
      } finally {
        rm.close();
      }
    }
  } finally {
    await releaseLeaseSoon(c, lease);
  }
  await c.store.deleteApp(name);
  c.log.info('app deleted', { app: name, cascade: opts.cascade, deleted: deleted.length, kept });
  return { deleted, kept };
}

/** Argo CD's finalizer for "delete the app's resources with it", and its propagation variants. */
const resourcesFinalizer = 'resources-finalizer.argocd.argoproj.io';

/** The propagation policy a child's finalizer asks for; undefined without the resources finalizer. */
export function cascadePolicyOf(finalizers: string[] | undefined): PropagationPolicy | undefined {
  for (const f of finalizers ?? []) {
    if (f === resourcesFinalizer || f === `${resourcesFinalizer}/foreground`) return 'Foreground';
    if (f === `${resourcesFinalizer}/background`) return 'Background';
  }
  return undefined;
}

/**
 * An app of apps deleted with cascade takes its child apps along (Argo CD deletes their Application
 * objects), each with its objects only if it carries the resources finalizer (child-apps.ts).
 */
async function deleteChildApps(
  c: Parameters<typeof deleteApp>[0],
  parent: string,
  opts: DeleteAppOptions,
  deleted: string[],
): Promise<void> {
  for (const child of await c.store.listLinkedApps('parent', parent)) {
    const policy = cascadePolicyOf(child.finalizers);
    const result = await deleteApp(c, child.name, {
      cascade: policy !== undefined,
      propagationPolicy: policy ?? opts.propagationPolicy,
    });
    deleted.push(`Application/${child.name}`, ...result.deleted);
  }
}
