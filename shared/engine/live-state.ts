import type { KubeObject } from '../domain/kube-object.js';
import type { KubeClient } from './kube-client.js';
import { resourcePath, type ResourceInfo } from './discovery.js';
import { getObject } from './apply.js';

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
}

export const defaultLiveStateOptions: LiveStateOptions = { listThreshold: 8, pageSize: 500 };

/**
 * Reads the live state of many objects with few requests: a paginated LIST per kind and namespace
 * when an app has many objects of it, a GET each otherwise. Missing objects map to undefined.
 */
export async function readLiveState(
  client: KubeClient,
  targets: LiveTarget[],
  run: <T>(fn: () => Promise<T>) => Promise<T>,
  opts: Partial<LiveStateOptions> = {},
): Promise<Map<string, KubeObject | undefined>> {
  const o = { ...defaultLiveStateOptions, ...opts };
  const groups = new Map<string, LiveTarget[]>();
  for (const t of targets) {
    const g = `${t.info.group}/${t.info.version}/${t.info.resource}/${t.info.namespaced ? (t.namespace ?? '') : ''}`;
    const list = groups.get(g);
    if (list) list.push(t);
    else groups.set(g, [t]);
  }
  const live = new Map<string, KubeObject | undefined>();
  await Promise.all(
    [...groups.values()].map(async (group) => {
      const first = group[0]!;
      if (group.length >= o.listThreshold && first.info.verbs.includes('list')) {
        const byName = new Map<string, KubeObject>();
        let cont: string | undefined;
        do {
          const res = await run(() =>
            client.request<{ items: KubeObject[]; metadata?: { continue?: string } }>({
              method: 'GET',
              path: resourcePath(first.info, first.namespace),
              query: { limit: String(o.pageSize), continue: cont },
            }),
          );
          // LIST items omit apiVersion and kind; put them back so they compare with desired objects.
          const apiVersion = first.info.group
            ? `${first.info.group}/${first.info.version}`
            : first.info.version;
          for (const item of res.body.items)
            byName.set(item.metadata.name, { ...item, apiVersion, kind: first.info.kind });
          cont = res.body.metadata?.continue || undefined;
        } while (cont);
        for (const t of group) live.set(t.key, byName.get(t.name));
      } else {
        await Promise.all(
          group.map(async (t) =>
            live.set(t.key, await run(() => getObject(client, t.info, t.namespace, t.name))),
          ),
        );
      }
    }),
  );
  return live;
}
