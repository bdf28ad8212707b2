// App dependencies: `gitferry.dev/depends-on: a,b` on an Application names apps that must be
// Synced and Healthy (at the revision they were last compared with, nothing in progress) before
// this one syncs. The graph must have no cycle: a save that would close one is refused, naming it.
import type { App } from './app.js';
import { promoteAfterAnnotation, promotionOf } from './delivery-annotations.js';
import type { AppStatus } from './status.js';

export const dependsOnAnnotation = 'gitferry.dev/depends-on';
const maxDependencies = 20;
const appName = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why the annotation is invalid, or undefined if it is valid (or absent). */
export function dependsOnProblem(name: string, annotations: Record<string, unknown>): string | undefined {
  const raw = annotations[dependsOnAnnotation];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || raw.length > 20 * 254)
    return `metadata.annotations["${dependsOnAnnotation}"] must be a comma-separated list of app names`;
  const names = raw.split(',').map((s) => s.trim());
  if (names.length > maxDependencies)
    return `metadata.annotations["${dependsOnAnnotation}"] names more than ${maxDependencies} apps`;
  for (const n of names)
    if (n.length === 0 || n.length > 253 || !appName.test(n))
      return `metadata.annotations["${dependsOnAnnotation}"]: ${JSON.stringify(n.slice(0, 64))} is not an app name`;
  if (names.includes(name))
    return `metadata.annotations["${dependsOnAnnotation}"]: an app cannot depend on itself`;
  return undefined;
}

/** The apps `app` depends on (empty without the annotation; invalid entries are never stored). */
export function dependsOn(app: Pick<App, 'annotations'>): string[] {
  const raw = app.annotations?.[dependsOnAnnotation];
  if (typeof raw !== 'string') return [];
  return [...new Set(raw.split(',').map((s) => s.trim()))].filter(Boolean);
}

/**
 * A cycle the graph would have with `app` saved as given, as the path of names that closes it
 * (e.g. `a → b → c → a`), or undefined. `apps` are the stored apps (the saved one replaces its own).
 */
export function dependencyCycle(app: App, apps: App[]): string[] | undefined {
  // A stage promoted after another waits for it too (delivery-annotations.ts): the same graph.
  const edgesOf = (a: App) => [...dependsOn(a), ...(promotionOf(a) ? [promotionOf(a)!.after] : [])];
  const edges = new Map(apps.map((a) => [a.name, edgesOf(a)]));
  edges.set(app.name, edgesOf(app));
  // Depth-first from the saved app: any cycle it closes passes through it.
  const path: string[] = [];
  const done = new Set<string>();
  const visit = (n: string): string[] | undefined => {
    const at = path.indexOf(n);
    if (at >= 0) return [...path.slice(at), n];
    if (done.has(n)) return undefined;
    path.push(n);
    for (const d of edges.get(n) ?? []) {
      const cycle = visit(d);
      if (cycle) return cycle;
    }
    path.pop();
    done.add(n);
    return undefined;
  };
  return visit(app.name);
}

/** Whether `app` depends on or is promoted after another app: only then can saving it close a cycle. */
export function waitsForOthers(app: App): boolean {
  return dependsOn(app).length > 0 || promotionOf(app) !== undefined;
}

/** Why a dependency is not ready yet, or undefined when it is Synced and Healthy, at rest, with no push or sync waiting. */
export function notReadyBecause(
  status: AppStatus | undefined,
  exists: boolean,
  pending: boolean,
): string | undefined {
  if (!exists) return 'it does not exist';
  if (!status) return 'it has not been compared yet';
  if (status.operation?.phase === 'Running' || status.operation?.phase === 'Terminating')
    return 'its sync is running';
  if (pending) return 'a push or sync for it is waiting';
  if (status.sync.status !== 'Synced' || status.health.status !== 'Healthy') {
    // A dependency that waits, or failed, says so with the cause: its dependants wait behind it.
    const waits = status.conditions?.find((k) => k.type === 'DependencyWaiting');
    if (waits) return `it is ${waits.message.slice(0, 300)}`;
    const op = status.operation;
    if ((op?.phase === 'Failed' || op?.phase === 'Error') && status.sync.status !== 'Synced')
      return `blocked: its sync failed${op.revision ? ` at ${op.revision.slice(0, 7)}` : ''}${op.message ? ` (${op.message.slice(0, 200)})` : ''}`;
    const why = status.health.status === 'Degraded' && status.health.message;
    return `${why ? 'blocked: ' : ''}it is ${status.sync.status} and ${status.health.status}${why ? ` (${why.slice(0, 200)})` : ''}`;
  }
  return undefined;
}

/**
 * Why saving `app` is refused for a cycle (naming it and the annotation that closes it), or
 * undefined: the API, the apps directory and an app of apps' children all ask this.
 */
export function dependencyCycleProblem(app: App, apps: App[]): string | undefined {
  if (!waitsForOthers(app)) return undefined;
  const cycle = dependencyCycle(app, apps);
  if (!cycle) return undefined;
  const key = dependsOn(app).includes(cycle[1]!) ? dependsOnAnnotation : promoteAfterAnnotation;
  return `Application/${app.name}: ${key} would make a cycle: ${cycle.join(' → ')}`;
}
