import type { KubeObject, ObjectRef } from '../domain/kube-object.js';
import { formatRef, groupOf, refKey, refOf, versionOf } from '../domain/kube-object.js';
import { annotationKeys, hookTypesOf, type HookType } from './annotations.js';
import type { Discovery, ResourceInfo } from './discovery.js';
import { ManifestError } from './errors.js';

/** A desired object with where it came from (file:line, chart template…), for error messages. */
export interface DesiredObject {
  object: KubeObject;
  source?: string;
}

/** A validated desired object, namespaced as the cluster expects. */
export interface PreparedObject {
  object: KubeObject;
  ref: ObjectRef;
  key: string;
  source?: string;
  /** Undefined when its kind is defined by a CRD in the same set and is not served yet. */
  info?: ResourceInfo;
  hookTypes: HookType[];
}

export interface PrepareOptions {
  /** Namespace for namespaced objects that name none (the app's destination namespace). */
  destinationNamespace?: string;
  /** Written to live objects for display and adoption checks. */
  appName?: string;
}

export interface PreparedSet {
  resources: PreparedObject[];
  hooks: PreparedObject[];
}

function crdServes(crd: KubeObject, apiVersion: string, kind: string): { namespaced: boolean } | undefined {
  const spec = crd.spec as
    | {
        group?: string;
        scope?: string;
        names?: { kind?: string; plural?: string };
        versions?: { name: string }[];
      }
    | undefined;
  if (!spec || spec.group !== groupOf(apiVersion) || spec.names?.kind !== kind) return undefined;
  if (!spec.versions?.some((v) => v.name === versionOf(apiVersion))) return undefined;
  return { namespaced: spec.scope !== 'Cluster' };
}

function basicProblems(obj: unknown, where: string): string | undefined {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return `${where}: not an object`;
  const o = obj as Partial<KubeObject>;
  if (typeof o.apiVersion !== 'string' || o.apiVersion === '') return `${where}: apiVersion is missing`;
  if (typeof o.kind !== 'string' || o.kind === '') return `${where}: kind is missing`;
  const meta = o.metadata as { name?: unknown; generateName?: unknown } | undefined;
  if (!meta || typeof meta !== 'object') return `${where}: metadata is missing`;
  const hasName = typeof meta.name === 'string' && meta.name !== '';
  const annotations = o.metadata?.annotations as Record<string, unknown> | undefined;
  // Hooks (Argo's or Helm's annotation) may leave naming to the server, as Argo CD creates them.
  const isHook = Boolean(annotations?.[annotationKeys.hook] ?? annotations?.[annotationKeys.helmHook]);
  const generated = typeof meta.generateName === 'string' && meta.generateName !== '';
  if (!hasName && !(isHook && generated))
    return `${where}: metadata.name is missing${generated ? ' (metadata.generateName is only taken on hooks)' : ''}`;
  return undefined;
}

/**
 * Validates desired objects and resolves each against discovery: namespaced objects without a
 * namespace get the destination namespace, cluster-scoped ones lose theirs; duplicates and unknown
 * kinds are errors naming every offender (all problems at once, not the first).
 */
export async function prepareObjects(
  desired: DesiredObject[],
  discovery: Discovery,
  opts: PrepareOptions = {},
): Promise<PreparedSet> {
  const problems: string[] = [];
  const crds = desired.map((d) => d.object).filter((o) => o?.kind === 'CustomResourceDefinition');
  const seen = new Map<string, string>();
  const out: PreparedSet = { resources: [], hooks: [] };

  // Resolve every apiVersion/kind once before fanning out (discovery is cached after the first).
  await discovery.resolve('v1', 'Namespace');

  for (const [i, d] of desired.entries()) {
    const where = d.source ?? `object #${i + 1}`;
    const basic = basicProblems(d.object, where);
    if (basic) {
      problems.push(basic);
      continue;
    }
    const object = structuredClone(d.object);
    const label = () => `${formatRef(refOf(object))}${d.source ? ` (${d.source})` : ''}`;
    let hooks: HookType[];
    try {
      hooks = hookTypesOf(object);
    } catch (err) {
      // Name the source the way every other problem does: `Kind/ns/name (file#n): …`.
      problems.push((err as Error).message.replace(formatRef(refOf(object)), label()));
      continue;
    }
    if (hooks.includes('Skip')) continue;

    const info = await discovery.resolve(object.apiVersion, object.kind);
    const fromCrd = info
      ? undefined
      : crds.map((c) => crdServes(c, object.apiVersion, object.kind)).find(Boolean);
    if (!info && !fromCrd) {
      problems.push(
        `${label()}: the cluster does not serve ${object.apiVersion} ${object.kind}, and no CustomResourceDefinition in this sync defines it`,
      );
      continue;
    }
    const namespaced = info ? info.namespaced : fromCrd!.namespaced;
    if (namespaced) {
      object.metadata.namespace ||= opts.destinationNamespace;
      if (!object.metadata.namespace) {
        problems.push(
          `${label()}: namespaced object without a namespace, and the app has no destination namespace`,
        );
        continue;
      }
    } else {
      delete object.metadata.namespace;
    }
    if (opts.appName)
      object.metadata.annotations = {
        ...object.metadata.annotations,
        [annotationKeys.trackingApp]: opts.appName,
      };

    const named = Boolean(object.metadata.name);
    // A generateName hook is known by its prefix until the server names it (each run anew).
    const ref = named ? refOf(object) : { ...refOf(object), name: object.metadata.generateName! };
    let key = refKey(ref);
    if (!named) {
      key = `${key}*`;
      for (let n = 2; out.hooks.some((h) => h.key === key); n++) key = `${refKey(ref)}*${n}`;
    }
    if (named) {
      const previous = seen.get(key);
      if (previous !== undefined) {
        problems.push(`${formatRef(ref)}: defined twice (${previous} and ${d.source ?? `object #${i + 1}`})`);
        continue;
      }
      seen.set(key, d.source ?? `object #${i + 1}`);
    }
    const prepared: PreparedObject = { object, ref, key, source: d.source, info, hookTypes: hooks };
    (hooks.length > 0 ? out.hooks : out.resources).push(prepared);
  }
  if (problems.length > 0) {
    throw new ManifestError(`${problems.length} invalid object(s):\n  ${problems.join('\n  ')}`);
  }
  return out;
}
