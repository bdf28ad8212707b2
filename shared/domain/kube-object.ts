/**
 * A Kubernetes object as plain JSON. Gitferry never runs objects through client-node's typed
 * models: they drop fields they do not know (see notes/stack.md).
 */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    /** Set instead of name on hooks the server names (Argo CD's generateName hooks). */
    generateName?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    generation?: number;
    uid?: string;
    resourceVersion?: string;
    deletionTimestamp?: string;
    finalizers?: string[];
    [key: string]: unknown;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Identity of an object: group, kind, namespace, name (version does not change identity). */
export interface ObjectRef {
  group: string;
  version: string;
  kind: string;
  namespace?: string;
  name: string;
}

export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

export function versionOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
}

export function refOf(obj: KubeObject): ObjectRef {
  return {
    group: groupOf(obj.apiVersion),
    version: versionOf(obj.apiVersion),
    kind: obj.kind,
    namespace: obj.metadata.namespace || undefined,
    name: obj.metadata.name,
  };
}

/** `Kind/namespace/name` (or `Kind/name` when cluster-scoped): how errors and UIs name objects. */
export function formatRef(ref: Pick<ObjectRef, 'kind' | 'namespace' | 'name'>): string {
  return ref.namespace ? `${ref.kind}/${ref.namespace}/${ref.name}` : `${ref.kind}/${ref.name}`;
}

/** A stable key for maps and inventories: `group/Kind/namespace/name`. */
export function refKey(ref: Pick<ObjectRef, 'group' | 'kind' | 'namespace' | 'name'>): string {
  return `${ref.group}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

/**
 * One object Gitferry applied for an app: the only objects it may prune. The fingerprint ties what
 * was applied to the fields Gitferry owns on the live object, so an unchanged object needs no dry run.
 */
export interface InventoryEntry extends ObjectRef {
  fingerprint?: string;
}
