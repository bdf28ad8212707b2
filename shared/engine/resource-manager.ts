import pLimit from 'p-limit';
import type { KubeObject, ObjectRef } from '../domain/kube-object.js';
import type { HealthStatus } from '../domain/health.js';
import {
  applyObject,
  createObject,
  deleteObject,
  getObject,
  listObjects,
  removeFinalizers,
  type ApplyOptions,
  type PropagationPolicy,
} from './apply.js';
import type { ClusterConnection } from './cluster-connection.js';
import { Discovery, type ResourceInfo } from './discovery.js';
import { assessHealthWith, type CustomHealth } from './health.js';
import { KubeClient, type KubeClientOptions } from './kube-client.js';
import { readLiveObjects } from './assess.js';
import { planSync } from './plan.js';
import { prepareObjects, type DesiredObject, type PrepareOptions, type PreparedSet } from './prepare.js';
import type { PlanOptions } from './sync-options.js';
import type { ResourceVerbs, SyncPlan } from './sync-types.js';

export interface ResourceManagerOptions {
  /** Requests in flight to one API server (apiserver defaults: 400 reads, 200 writes in flight). */
  concurrency: number;
  client: Partial<KubeClientOptions>;
  /** The installation's custom health checks (Lua scripts), asked before the built-in ones. */
  health?: CustomHealth;
}

export const defaultResourceManagerOptions: ResourceManagerOptions = { concurrency: 32, client: {} };

/**
 * Everything the engine does to one cluster: discovery, prepare, plan (dry run), apply, get,
 * delete, health. Stateless apart from caches; the sync operation drives it step by step.
 */
export class ResourceManager implements ResourceVerbs {
  readonly client: KubeClient;
  readonly discovery: Discovery;
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly customHealth?: CustomHealth;

  constructor(connection: ClusterConnection, opts: Partial<ResourceManagerOptions> = {}) {
    const o = { ...defaultResourceManagerOptions, ...opts };
    this.client = new KubeClient(connection, { maxSockets: o.concurrency, ...o.client });
    this.discovery = new Discovery(this.client);
    this.limit = pLimit(o.concurrency);
    this.customHealth = o.health;
  }

  /** Runs fn within the cluster's concurrency bound. */
  run = <T>(fn: () => Promise<T>): Promise<T> => this.limit(fn);

  prepare(desired: DesiredObject[], opts?: PrepareOptions): Promise<PreparedSet> {
    return prepareObjects(desired, this.discovery, opts);
  }

  plan(set: PreparedSet, opts?: Partial<PlanOptions>): Promise<SyncPlan> {
    return planSync({ client: this.client, discovery: this.discovery, run: this.run }, set, opts);
  }

  apply(info: ResourceInfo, obj: KubeObject, opts?: Partial<ApplyOptions>): Promise<KubeObject> {
    return this.run(() => applyObject(this.client, info, obj, opts));
  }

  create(info: ResourceInfo, obj: KubeObject): Promise<KubeObject> {
    return this.run(() => createObject(this.client, info, obj));
  }

  async infoFor(ref: ObjectRef): Promise<ResourceInfo | undefined> {
    return this.discovery.resolve(ref.group ? `${ref.group}/${ref.version}` : ref.version, ref.kind);
  }

  async get(ref: ObjectRef): Promise<KubeObject | undefined> {
    const info = await this.infoFor(ref);
    if (!info) return undefined;
    return this.run(() => getObject(this.client, info, ref.namespace, ref.name));
  }

  /**
   * Live copies of many objects, keyed by refKey: one LIST per kind and namespace where an app has
   * many objects of it, a GET each otherwise (live-state.ts). Undefined for a missing object or a
   * kind the cluster does not serve.
   */
  async getMany(refs: ObjectRef[]): Promise<Map<string, KubeObject | undefined>> {
    const { live, unserved } = await readLiveObjects(this, refs);
    for (const key of unserved) live.set(key, undefined);
    return live;
  }

  async delete(ref: ObjectRef, propagationPolicy: PropagationPolicy): Promise<boolean> {
    const info = await this.infoFor(ref);
    if (!info) return false;
    return this.run(() => deleteObject(this.client, info, ref.namespace, ref.name, propagationPolicy));
  }

  async removeFinalizers(ref: ObjectRef, finalizers: readonly string[]): Promise<KubeObject | undefined> {
    const info = await this.infoFor(ref);
    if (!info) return undefined;
    return this.run(() => removeFinalizers(this.client, info, ref.namespace, ref.name, finalizers));
  }

  async list(
    kind: Pick<ObjectRef, 'group' | 'version' | 'kind' | 'namespace'>,
    selector: Record<string, string>,
  ): Promise<KubeObject[]> {
    const info = await this.infoFor({ ...kind, name: '' });
    if (!info) return [];
    return this.run(() => listObjects(this.client, info, kind.namespace, selector));
  }

  /** Health of the live object (Missing when absent; undefined for kinds without health). */
  async health(ref: ObjectRef): Promise<HealthStatus | undefined> {
    return this.assessHealth(await this.get(ref));
  }

  /** Health of a live object already read (custom checks first, then the built-in ones). */
  assessHealth(live: KubeObject | undefined): Promise<HealthStatus | undefined> {
    return assessHealthWith(this.customHealth, live);
  }

  close(): void {
    this.client.close();
  }
}
