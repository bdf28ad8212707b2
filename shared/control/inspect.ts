// Read-only views of an app on its cluster, for `app manifests` and `app logs`: what Git renders,
// what is live, and the logs of the Pods its workloads run. Nothing here writes or takes a lease.
import type { App } from '../domain/app.js';
import { GitferryError } from '../domain/errors.js';
import type { KubeObject } from '../domain/kube-object.js';
import { formatRef } from '../domain/kube-object.js';
import { redactDeep } from '../domain/redact.js';
import { getObject } from '../engine/apply.js';
import { maskSecrets } from '../engine/diff.js';
import { ResourceManager } from '../engine/resource-manager.js';
import { clusterOf, type Control } from './deps.js';
import { renderDesired, resolveAppRevision } from './desired-state.js';

/** The app's cluster is not registered: nothing to render for or read from. */
export class InspectError extends GitferryError {
  override name = 'InspectError';
}

export interface LogOptions {
  /** Only this container (default: every container of each Pod). */
  container?: string;
  /** The last lines of each container (default 100, at most 10,000). */
  tailLines?: number;
  /** Lines newer than this many seconds only. */
  sinceSeconds?: number;
}

export interface PodLog {
  pod: string;
  namespace: string;
  container: string;
  /** The log text, or undefined when the cluster would not give it (see `error`). */
  text?: string;
  error?: string;
}

/** Kinds whose Pods `app logs` shows, found by their label selector. */
const workloadKinds = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);
export const maxLogTailLines = 10_000;
/** Pods read per call: an app with more shows the first ones, said so in the answer. */
export const maxLogPods = 50;

async function withCluster<T>(c: Control, app: App, fn: (rm: ResourceManager) => Promise<T>): Promise<T> {
  const cluster = await clusterOf(c, app);
  if (!cluster)
    throw new InspectError(
      'inspect:no-cluster',
      `Application/${app.name}: its destination cluster ${app.destination.name ?? app.destination.server ?? '(none)'} is not registered`,
    );
  // Someone waits at a terminal: one retry, not the worker's patient backoff (a node that serves
  // no logs answers 500, and a sync's six tries per Pod would keep them waiting for a minute).
  const rm = new ResourceManager(await c.connector.connect(cluster), {
    ...c.o.engine,
    client: { ...c.o.engine.client, maxAttempts: 2 },
  });
  try {
    return await fn(rm);
  } finally {
    rm.close();
  }
}

/** Objects as they may be shown: Secret values masked, credentials in strings redacted. */
function shown(objects: KubeObject[]): KubeObject[] {
  return objects.map((o) => redactDeep(maskSecrets(o, o)[0]!));
}

/** What Git renders for the app now, at the revision it is synced to (or its branch head). */
export async function renderedManifests(
  c: Control,
  app: App,
  syncedRevision: string | undefined,
): Promise<{ revision: string; objects: KubeObject[] }> {
  const revision = syncedRevision ?? (await resolveAppRevision(c, app, undefined));
  const objects = await withCluster(c, app, (rm) => renderDesired(c, app, revision, rm));
  return { revision, objects: shown(objects.map((d) => d.object)) };
}

/** The live objects of the app's inventory (objects since deleted are left out). */
export async function liveManifests(c: Control, app: App): Promise<KubeObject[]> {
  const inventory = await c.store.getInventory(app.name);
  return withCluster(c, app, async (rm) => {
    const live: KubeObject[] = [];
    for (const ref of inventory) {
      const info = await rm.discovery.resolve(
        ref.group ? `${ref.group}/${ref.version}` : ref.version,
        ref.kind,
      );
      const obj = info && (await getObject(rm.client, info, ref.namespace, ref.name));
      if (obj) {
        delete (obj.metadata as { managedFields?: unknown }).managedFields;
        live.push(obj);
      }
    }
    return shown(live);
  });
}

function selectorOf(obj: KubeObject): string | undefined {
  const sel = (obj.spec?.selector ?? {}) as { matchLabels?: Record<string, string> };
  const labels = sel.matchLabels;
  if (!labels || Object.keys(labels).length === 0) return undefined;
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/**
 * Logs of the Pods the app runs: its Pods, and the Pods its workloads select (Deployment,
 * StatefulSet, DaemonSet, ReplicaSet, Job: by `spec.selector.matchLabels`), each container's
 * last `tailLines`. A Pod whose log the cluster refuses is listed with the cluster's message.
 */
export async function podLogs(
  c: Control,
  app: App,
  opts: LogOptions,
): Promise<{ logs: PodLog[]; truncated: boolean }> {
  const inventory = await c.store.getInventory(app.name);
  return withCluster(c, app, async (rm) => {
    const podInfo = await rm.discovery.resolve('v1', 'Pod');
    if (!podInfo)
      throw new InspectError('inspect:no-pods', `cluster of Application/${app.name} serves no Pods`);
    const pods = new Map<string, KubeObject>();
    for (const ref of inventory) {
      if (ref.kind === 'Pod' && ref.group === '') {
        const pod = await getObject(rm.client, podInfo, ref.namespace, ref.name);
        if (pod) pods.set(`${ref.namespace}/${ref.name}`, pod);
        continue;
      }
      if (!workloadKinds.has(ref.kind) || !ref.namespace) continue;
      const info = await rm.discovery.resolve(`${ref.group}/${ref.version}`, ref.kind);
      const workload = info && (await getObject(rm.client, info, ref.namespace, ref.name));
      const selector = workload && selectorOf(workload);
      if (!selector) continue;
      const list = await rm.client.request<{ items: KubeObject[] }>({
        method: 'GET',
        path: `/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/pods`,
        query: { labelSelector: selector },
      });
      for (const pod of list.body.items) pods.set(`${ref.namespace}/${pod.metadata.name}`, pod);
    }
    const chosen = [...pods.values()]
      .sort((a, b) =>
        formatRef({ kind: 'Pod', ...a.metadata }).localeCompare(formatRef({ kind: 'Pod', ...b.metadata })),
      )
      .slice(0, maxLogPods);
    const tailLines = Math.min(opts.tailLines ?? 100, maxLogTailLines);
    const logs: PodLog[] = [];
    for (const pod of chosen) {
      const ns = pod.metadata.namespace ?? app.destination.namespace ?? 'default';
      const containers = ((pod.spec?.containers ?? []) as { name: string }[])
        .map((ct) => ct.name)
        .filter((n) => !opts.container || n === opts.container);
      for (const container of containers) {
        const entry: PodLog = { pod: pod.metadata.name, namespace: ns, container };
        try {
          const res = await rm.client.request<unknown>({
            method: 'GET',
            path: `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(pod.metadata.name)}/log`,
            query: {
              container,
              tailLines: String(tailLines),
              sinceSeconds: opts.sinceSeconds ? String(opts.sinceSeconds) : undefined,
              timestamps: 'true',
            },
            // As kubectl asks: the API server refuses `text/plain` (406) and answers logs as text anyway.
            accept: 'application/json, */*',
          });
          // The client parses bodies that look like JSON; a log is text whatever it holds.
          entry.text =
            typeof res.body === 'string' ? res.body : res.body === undefined ? '' : JSON.stringify(res.body);
        } catch (err) {
          entry.error = `Pod/${ns}/${pod.metadata.name} container ${container}: ${(err as Error).message}`;
        }
        logs.push(redactDeep(entry));
      }
    }
    return { logs, truncated: pods.size > chosen.length };
  });
}
