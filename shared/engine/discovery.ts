import type { KubeClient } from './kube-client.js';
import { KubeApiError } from './errors.js';

/** What the engine needs to know about a kind: its REST resource name and scope. */
export interface ResourceInfo {
  group: string;
  version: string;
  kind: string;
  resource: string;
  namespaced: boolean;
  verbs: string[];
}

interface AggregatedDiscovery {
  items?: {
    metadata?: { name?: string };
    versions?: {
      version: string;
      resources?: { resource: string; responseKind?: { kind?: string }; scope?: string; verbs?: string[] }[];
    }[];
  }[];
}

const aggregatedAccept =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

export interface DiscoveryOptions {
  /** Refetch at most this often when a kind is unknown (CRDs created during a sync). */
  minRefreshIntervalMs: number;
}

export const defaultDiscoveryOptions: DiscoveryOptions = { minRefreshIntervalMs: 500 };

/**
 * Aggregated discovery (two requests for the whole cluster), cached; an unknown kind triggers one
 * refresh so CRDs created during the sync are found. Concurrent lookups share one fetch.
 */
export class Discovery {
  private byKind = new Map<string, ResourceInfo>();
  private inflight: Promise<void> | undefined;
  private fetchedAt = 0;
  private readonly opts: DiscoveryOptions;

  constructor(
    private readonly client: KubeClient,
    opts: Partial<DiscoveryOptions> = {},
  ) {
    this.opts = { ...defaultDiscoveryOptions, ...opts };
  }

  /** The resource for apiVersion + kind, or undefined when the cluster does not serve it. */
  async resolve(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    const key = `${apiVersion}/${kind}`;
    if (this.fetchedAt === 0) await this.refresh();
    const hit = this.byKind.get(key);
    if (hit) return hit;
    if (Date.now() - this.fetchedAt >= this.opts.minRefreshIntervalMs) await this.refresh();
    return this.byKind.get(key);
  }

  /** Forces the next lookup of an unknown kind to refetch, e.g. right after a CRD is Established. */
  invalidate(): void {
    this.fetchedAt = Date.now() - this.opts.minRefreshIntervalMs;
  }

  /** Every served `group/version` and `group/version/Kind`, as helm's --api-versions takes them. */
  async apiVersions(): Promise<string[]> {
    if (this.fetchedAt === 0) await this.refresh();
    const out = new Set<string>();
    for (const [key, info] of this.byKind) {
      out.add(info.group ? `${info.group}/${info.version}` : info.version);
      out.add(key);
    }
    return [...out].sort();
  }

  /** Major.minor of the server, as helm's --kube-version wants it. */
  async serverVersion(): Promise<{ major: string; minor: string; gitVersion: string }> {
    const res = await this.client.request<{ major: string; minor: string; gitVersion: string }>({
      method: 'GET',
      path: '/version',
    });
    return res.body;
  }

  refresh(): Promise<void> {
    this.inflight ??= this.fetchAll().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async fetchAll(): Promise<void> {
    const [core, groups] = await Promise.all([this.fetchAggregated('/api'), this.fetchAggregated('/apis')]);
    const next = new Map<string, ResourceInfo>();
    for (const doc of [core, groups]) {
      for (const group of doc.items ?? []) {
        const groupName = group.metadata?.name ?? '';
        for (const v of group.versions ?? []) {
          for (const r of v.resources ?? []) {
            const kind = r.responseKind?.kind;
            if (!kind || r.resource.includes('/')) continue;
            const apiVersion = groupName ? `${groupName}/${v.version}` : v.version;
            next.set(`${apiVersion}/${kind}`, {
              group: groupName,
              version: v.version,
              kind,
              resource: r.resource,
              namespaced: r.scope === 'Namespaced',
              verbs: r.verbs ?? [],
            });
          }
        }
      }
    }
    this.byKind = next;
    this.fetchedAt = Date.now();
  }

  private async fetchAggregated(path: string): Promise<AggregatedDiscovery> {
    const res = await this.client.request<AggregatedDiscovery>({
      method: 'GET',
      path,
      accept: aggregatedAccept,
    });
    if (!res.body || !Array.isArray(res.body.items)) {
      throw new KubeApiError(
        `GET ${path}: the API server does not serve aggregated discovery (Kubernetes 1.30+ required)`,
        406,
        {},
      );
    }
    return res.body;
  }
}

/** REST path of an object (or of its collection when name is undefined). */
export function resourcePath(info: ResourceInfo, namespace: string | undefined, name?: string): string {
  const base = info.group ? `/apis/${info.group}/${info.version}` : `/api/${info.version}`;
  const ns = info.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${info.resource}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
}
