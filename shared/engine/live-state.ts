import type { KubeObject } from '../domain/kube-object.js';
import type { KubeClient } from './kube-client.js';
import { resourcePath, type ResourceInfo } from './discovery.js';
import { fieldManager, getObject } from './apply.js';
import { KubeApiError } from './errors.js';

export interface LiveTarget {
  key: string;
  info: ResourceInfo;
  namespace?: string;
  name: string;
}

export interface LiveStateOptions {
  /** From this many objects of one kind in one namespace, one LIST replaces individual GETs. */
  listThreshold: number;
  pageSize: number;
  /**
   * From this many namespaces holding a kind's targets, that kind is read with one LIST across
   * the cluster instead of one per namespace — when the cluster's whole list of it takes fewer
   * pages than there are namespaces (its first page says how many objects remain); otherwise, or
   * when listing across the cluster is forbidden, per namespace. Unset: never across the cluster.
   */
  clusterWideFrom?: number;
  /**
   * Keep of each object only what health and drift read: managedFields reduced to Gitferry's own
   * apply entry (what fingerprints compare) and no last-applied-configuration annotation (a
   * second copy of the object kubectl leaves). For reads of many apps at once.
   */
  slim?: boolean;
}

export const defaultLiveStateOptions: LiveStateOptions = { listThreshold: 8, pageSize: 500 };

type ListPage = { items: KubeObject[]; metadata?: { continue?: string; remainingItemCount?: number } };
type Run = <T>(fn: () => Promise<T>) => Promise<T>;
/**
 * What is kept of each object read, computed as its page is read (by default the object, or its
 * slim copy): a caller that needs only a digest of each object (the drift check) keeps that, and
 * no page outlives its reading.
 */
export type Keep<T> = (obj: KubeObject) => T;

/**
 * Reads the live state of many objects with few requests: a paginated LIST per kind and namespace
 * when an app has many objects of it, a GET each otherwise, and (clusterWideFrom) one LIST across
 * the cluster for a kind spread over many namespaces. Missing objects map to undefined. Only the
 * objects asked for are kept: a page of others' objects is dropped as soon as it is read.
 */
export async function readLiveState<T = KubeObject>(
  client: KubeClient,
  targets: LiveTarget[],
  run: Run,
  opts: Partial<LiveStateOptions> = {},
  keep?: Keep<T>,
): Promise<Map<string, T | undefined>> {
  const o = { ...defaultLiveStateOptions, ...opts };
  const keepOf = keep ?? ((o.slim ? slimObject : (obj: KubeObject) => obj) as Keep<T>);
  const kinds = new Map<string, LiveTarget[]>();
  for (const t of targets) {
    const k = `${t.info.group}/${t.info.version}/${t.info.resource}`;
    const list = kinds.get(k);
    if (list) list.push(t);
    else kinds.set(k, [t]);
  }
  const live = new Map<string, T | undefined>();
  await Promise.all(
    [...kinds.values()].map(async (ofKind) => {
      const groups = byNamespace(ofKind);
      const info = ofKind[0]!.info;
      if (
        o.clusterWideFrom !== undefined &&
        info.namespaced &&
        groups.length >= o.clusterWideFrom &&
        info.verbs.includes('list') &&
        (await readAcrossCluster(client, info, ofKind, groups.length, run, o, keepOf, live))
      )
        return;
      await Promise.all(groups.map((group) => readGroup(client, group, run, o, keepOf, live)));
    }),
  );
  return live;
}

/** A kind's targets by namespace (one group for a cluster-scoped kind). */
function byNamespace(targets: LiveTarget[]): LiveTarget[][] {
  const groups = new Map<string, LiveTarget[]>();
  for (const t of targets) {
    const ns = t.info.namespaced ? (t.namespace ?? '') : '';
    const list = groups.get(ns);
    if (list) list.push(t);
    else groups.set(ns, [t]);
  }
  return [...groups.values()];
}

/** LIST items omit apiVersion and kind; put them back so they compare with desired objects. */
function withType(info: ResourceInfo, item: KubeObject): KubeObject {
  const apiVersion = info.group ? `${info.group}/${info.version}` : info.version;
  return { ...item, apiVersion, kind: info.kind };
}

const lastApplied = 'kubectl.kubernetes.io/last-applied-configuration';

/** The object as LiveStateOptions.slim keeps it (a new object; the read one is left as it is). */
export function slimObject(obj: KubeObject): KubeObject {
  const { managedFields, annotations, ...metadata } = obj.metadata;
  const ours = (
    managedFields as { manager?: string; operation?: string; subresource?: string }[] | undefined
  )?.filter((e) => e.manager === fieldManager && e.operation === 'Apply' && !e.subresource);
  const kept = annotations && lastApplied in annotations ? { ...annotations } : annotations;
  if (kept && kept !== annotations) delete kept[lastApplied];
  return {
    ...obj,
    metadata: {
      ...metadata,
      ...(kept ? { annotations: kept } : {}),
      ...(ours && ours.length > 0 ? { managedFields: ours } : {}),
    },
  };
}

/** One kind and namespace: a paginated LIST from listThreshold objects on, else a GET each. */
async function readGroup<T>(
  client: KubeClient,
  group: LiveTarget[],
  run: Run,
  o: LiveStateOptions,
  keep: Keep<T>,
  live: Map<string, T | undefined>,
): Promise<void> {
  const first = group[0]!;
  if (group.length >= o.listThreshold && first.info.verbs.includes('list')) {
    const wanted = new Set(group.map((t) => t.name));
    const byName = new Map<string, T>();
    let cont: string | undefined;
    do {
      const res = await run(() =>
        client.request<ListPage>({
          method: 'GET',
          path: resourcePath(first.info, first.namespace),
          query: { limit: String(o.pageSize), continue: cont },
        }),
      );
      for (const item of res.body.items)
        if (wanted.has(item.metadata.name)) byName.set(item.metadata.name, keep(withType(first.info, item)));
      cont = res.body.metadata?.continue || undefined;
    } while (cont);
    for (const t of group) live.set(t.key, byName.get(t.name));
    return;
  }
  await Promise.all(
    group.map(async (t) => {
      const obj = await run(() => getObject(client, t.info, t.namespace, t.name));
      live.set(t.key, obj ? keep(obj) : undefined);
    }),
  );
}

/**
 * One LIST of the kind across the cluster, page by page, keeping the targets only. False (and
 * nothing read into `live`) when it would take as many pages as the per-namespace LISTs it
 * replaces, or when the credentials may not list across the cluster.
 */
async function readAcrossCluster<T>(
  client: KubeClient,
  info: ResourceInfo,
  targets: LiveTarget[],
  namespaces: number,
  run: Run,
  o: LiveStateOptions,
  keep: Keep<T>,
  live: Map<string, T | undefined>,
): Promise<boolean> {
  const { pageSize } = o;
  const wanted = new Map(targets.map((t) => [`${t.namespace ?? ''}/${t.name}`, t]));
  const found = new Map<string, T>();
  let cont: string | undefined;
  let pages = 0;
  do {
    let page: ListPage;
    try {
      page = (
        await run(() =>
          client.request<ListPage>({
            method: 'GET',
            path: resourcePath(info, undefined),
            query: { limit: String(pageSize), continue: cont },
          }),
        )
      ).body;
    } catch (err) {
      if (pages === 0 && err instanceof KubeApiError && err.httpStatus === 403) return false;
      throw err;
    }
    pages++;
    if (pages === 1) {
      const remaining = page.metadata?.remainingItemCount;
      const total = page.items.length + (remaining ?? 0);
      // The server did not say how many remain (or too many do): per namespace is no worse.
      if ((remaining === undefined && page.metadata?.continue) || Math.ceil(total / pageSize) >= namespaces)
        return false;
    }
    for (const item of page.items) {
      const key = `${item.metadata.namespace ?? ''}/${item.metadata.name}`;
      if (wanted.has(key)) found.set(key, keep(withType(info, item)));
    }
    cont = page.metadata?.continue || undefined;
  } while (cont);
  for (const [key, t] of wanted) live.set(t.key, found.get(key));
  return true;
}
