import type { KubeObject, ObjectRef } from '../domain/kube-object.js';
import { formatRef } from '../domain/kube-object.js';
import type { KubeClient, KubeRequest } from './kube-client.js';
import { resourcePath, type ResourceInfo } from './discovery.js';
import { KubeApiError } from './errors.js';

export const fieldManager = 'gitferry';

export interface ApplyOptions {
  dryRun: boolean;
  /** Take over fields other managers own (SSA force). Off: a conflict is an error naming the fields. */
  force: boolean;
  /** Server-side field validation: Strict rejects unknown or duplicate fields (Argo's Validate=false → Ignore). */
  fieldValidation: 'Strict' | 'Warn' | 'Ignore';
  deadline?: number;
}

export const defaultApplyOptions: ApplyOptions = { dryRun: false, force: false, fieldValidation: 'Strict' };

/** Server-side apply of one object as raw JSON; returns what the server answered (or would). */
export async function applyObject(
  client: KubeClient,
  info: ResourceInfo,
  obj: KubeObject,
  opts: Partial<ApplyOptions> = {},
): Promise<KubeObject> {
  return (await client.request<KubeObject>(applyRequest(info, obj, opts))).body;
}

/**
 * The same server-side apply when only its acceptance matters (a dry run of an object that does
 * not exist yet, whose answer nobody reads): throws as applyObject does, leaves the answer unparsed.
 */
export async function applyAccepted(
  client: KubeClient,
  info: ResourceInfo,
  obj: KubeObject,
  opts: Partial<ApplyOptions> = {},
): Promise<void> {
  await client.request({ ...applyRequest(info, obj, opts), discardBody: true });
}

function applyRequest(info: ResourceInfo, obj: KubeObject, opts: Partial<ApplyOptions>): KubeRequest {
  const o = { ...defaultApplyOptions, ...opts };
  return {
    method: 'PATCH',
    path: resourcePath(info, obj.metadata.namespace, obj.metadata.name),
    query: {
      fieldManager,
      force: String(o.force),
      fieldValidation: o.fieldValidation,
      dryRun: o.dryRun ? 'All' : undefined,
    },
    // JSON is YAML: the apply-patch content type takes it as is, with no client-side model.
    contentType: 'application/apply-patch+yaml',
    body: obj,
    deadline: o.deadline,
  };
}

/** Creates an object with POST (hooks with generateName); returns the created object. */
export async function createObject(
  client: KubeClient,
  info: ResourceInfo,
  obj: KubeObject,
): Promise<KubeObject> {
  const res = await client.request<KubeObject>({
    method: 'POST',
    path: resourcePath(info, obj.metadata.namespace),
    query: { fieldManager },
    body: obj,
  });
  return res.body;
}

/** The live object, or undefined when it does not exist. */
export async function getObject(
  client: KubeClient,
  info: ResourceInfo,
  namespace: string | undefined,
  name: string,
): Promise<KubeObject | undefined> {
  try {
    return (await client.request<KubeObject>({ method: 'GET', path: resourcePath(info, namespace, name) }))
      .body;
  } catch (err) {
    if (err instanceof KubeApiError && err.httpStatus === 404) return undefined;
    throw err;
  }
}

/**
 * Removes the given finalizers from the live object (others' stay), guarded by its resourceVersion
 * and retried when someone else wrote in between. Returns the object as it is afterwards, or
 * undefined when it is gone (then there is nothing left to release).
 */
export async function removeFinalizers(
  client: KubeClient,
  info: ResourceInfo,
  namespace: string | undefined,
  name: string,
  finalizers: readonly string[],
): Promise<KubeObject | undefined> {
  for (let attempt = 1; ; attempt++) {
    const live = await getObject(client, info, namespace, name);
    const current = live?.metadata.finalizers ?? [];
    if (!live || !current.some((f) => finalizers.includes(f))) return live;
    try {
      const res = await client.request<KubeObject>({
        method: 'PATCH',
        path: resourcePath(info, namespace, name),
        query: { fieldManager },
        contentType: 'application/merge-patch+json',
        body: {
          metadata: {
            resourceVersion: live.metadata.resourceVersion,
            finalizers: current.filter((f) => !finalizers.includes(f)),
          },
        },
      });
      return res.body;
    } catch (err) {
      if (err instanceof KubeApiError && err.httpStatus === 404) return undefined;
      // 409: written by someone else since we read it; read again and retry.
      if (!(err instanceof KubeApiError && err.httpStatus === 409) || attempt >= 5) throw err;
    }
  }
}

/** The objects of a kind in a namespace (or cluster-wide) carrying the labels of `selector`. */
export async function listObjects(
  client: KubeClient,
  info: ResourceInfo,
  namespace: string | undefined,
  selector: Record<string, string>,
): Promise<KubeObject[]> {
  const res = await client.request<{ items?: KubeObject[] }>({
    method: 'GET',
    path: resourcePath(info, namespace),
    query: {
      labelSelector: Object.entries(selector)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    },
  });
  // List items carry no apiVersion/kind; the caller knows them.
  return (res.body.items ?? []).map((o) => ({
    ...o,
    apiVersion: info.group ? `${info.group}/${info.version}` : info.version,
    kind: info.kind,
  }));
}

export type PropagationPolicy = 'Foreground' | 'Background' | 'Orphan';

/** Deletes an object; true if a delete was issued, false if it was already gone. */
export async function deleteObject(
  client: KubeClient,
  info: ResourceInfo,
  namespace: string | undefined,
  name: string,
  propagationPolicy: PropagationPolicy,
): Promise<boolean> {
  try {
    await client.request({
      method: 'DELETE',
      path: resourcePath(info, namespace, name),
      body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy },
    });
    return true;
  } catch (err) {
    if (err instanceof KubeApiError && err.httpStatus === 404) return false;
    throw err;
  }
}

/**
 * A message for a failed apply that starts with the object and carries the server's reason, the
 * fields it names and, for conflicts, which managers own them.
 */
export function describeApplyError(ref: ObjectRef, verb: string, err: unknown): string {
  const subject = formatRef(ref);
  if (!(err instanceof KubeApiError)) return `${subject} ${verb} failed: ${(err as Error).message}`;
  const causes = err.status.details?.causes ?? [];
  if (err.reason === 'Conflict' && causes.length > 0) {
    const fields = causes.map((c) => `${c.field ?? '?'} (${c.message ?? 'conflict'})`).join('; ');
    return `${subject} ${verb} failed: Conflict: fields owned by another manager: ${fields}. Remove them from the manifest, ignore them, or set the force policy to always`;
  }
  const message = err.status.message ?? err.message;
  return `${subject} ${verb} failed: ${err.reason ?? `HTTP ${err.httpStatus}`}: ${message}`;
}

/** What to do when a field Gitferry applies is owned by another field manager. */
export type ForcePolicy = 'never' | 'manual-edits' | 'always';

/**
 * Field managers of people editing by hand (kubectl edit/patch/scale…, dashboards). Git wins over
 * them; controllers (an HPA, an operator) are not taken over, or the two would flap forever.
 */
export const manualEditManagers = [/^kubectl(-|$)/, /^k9s$/, /^dashboard$/, /^Mozilla$/, /^(Open)?[Ll]ens$/];

export interface FieldConflict {
  field: string;
  manager: string;
}

/** The fields and managers of an SSA conflict (409), or undefined for any other error. */
export function fieldConflicts(err: unknown): FieldConflict[] | undefined {
  if (!(err instanceof KubeApiError) || err.httpStatus !== 409 || err.reason !== 'Conflict') return undefined;
  return (err.status.details?.causes ?? []).map((c) => ({
    field: c.field ?? '?',
    manager: /conflict with "([^"]+)"/.exec(c.message ?? '')?.[1] ?? 'unknown',
  }));
}

/** True when the policy lets Gitferry take these fields over (server-side apply with force). */
export function mayForce(policy: ForcePolicy, conflicts: FieldConflict[]): boolean {
  if (policy === 'always') return true;
  if (policy === 'never' || conflicts.length === 0) return false;
  return conflicts.every((c) => manualEditManagers.some((m) => m.test(c.manager)));
}

/** True when the server refused a change to an immutable field (Replace=true may recreate). */
export function isImmutableFieldError(err: unknown): boolean {
  if (!(err instanceof KubeApiError) || err.httpStatus !== 422) return false;
  const text = [
    err.status.message ?? '',
    ...(err.status.details?.causes ?? []).map((c) => c.message ?? ''),
  ].join(' ');
  return /immutable/i.test(text);
}
