// Editing an app as Argo CD does: the stored App back to its Application manifest, changed by
// flags (`app set`) or by a patch (`app patch`), then saved whole (an upsert the server checks).
import { ApiError } from './api-client.js';

/** An App as GET /api/v1/apps/{name} answers it. */
export interface StoredApp {
  name: string;
  project: string;
  sources: Record<string, unknown>[];
  destination: Record<string, unknown>;
  syncPolicy?: Record<string, unknown>;
  ignoreDifferences?: unknown[];
  revisionHistoryLimit?: number;
  annotations?: Record<string, string>;
}

export interface ApplicationManifest {
  apiVersion: 'argoproj.io/v1alpha1';
  kind: 'Application';
  metadata: { name: string; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
}

/** The Application manifest of a stored App (one source as `source`, several as `sources`). */
export function applicationOf(app: StoredApp): ApplicationManifest {
  const annotations = app.annotations && Object.keys(app.annotations).length ? app.annotations : undefined;
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: app.name, ...(annotations ? { annotations } : {}) },
    spec: {
      project: app.project,
      ...(app.sources.length === 1 ? { source: app.sources[0] } : { sources: app.sources }),
      destination: app.destination,
      ...(app.syncPolicy && Object.keys(app.syncPolicy).length ? { syncPolicy: app.syncPolicy } : {}),
      ...(app.ignoreDifferences?.length ? { ignoreDifferences: app.ignoreDifferences } : {}),
      ...(app.revisionHistoryLimit !== undefined ? { revisionHistoryLimit: app.revisionHistoryLimit } : {}),
    },
  };
}

const forbiddenKeys = new Set(['__proto__', 'constructor', 'prototype']);
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function checkKey(key: string): string {
  if (forbiddenKeys.has(key)) throw new ApiError(0, `patch: the key ${key} is not allowed`);
  return key;
}

/** RFC 7386 JSON merge patch: objects merge, null deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    checkKey(k);
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

type Op = { op: string; path: string; value?: unknown; from?: string };

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new ApiError(0, `patch: path ${path} must start with /`);
  return path
    .slice(1)
    .split('/')
    .map((p) => checkKey(p.replaceAll('~1', '/').replaceAll('~0', '~')));
}

/** RFC 6902 JSON patch: add, remove, replace, move, copy, test (on a copy of the document). */
export function jsonPatch(doc: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new ApiError(0, 'patch: a JSON patch is an array of operations');
  let root = structuredClone(doc);
  const parentOf = (keys: string[], path: string) => {
    let cur: unknown = root;
    for (const k of keys.slice(0, -1)) {
      cur = Array.isArray(cur) ? cur[Number(k)] : isObject(cur) ? cur[k] : undefined;
      if (cur === undefined) throw new ApiError(0, `patch: path ${path} does not exist`);
    }
    return cur as Record<string, unknown> | unknown[];
  };
  const get = (path: string) => {
    let cur: unknown = root;
    for (const k of pointer(path)) {
      cur = Array.isArray(cur) ? cur[Number(k)] : isObject(cur) ? cur[k] : undefined;
      if (cur === undefined) throw new ApiError(0, `patch: path ${path} does not exist`);
    }
    return cur;
  };
  const remove = (path: string) => {
    const keys = pointer(path);
    const parent = parentOf(keys, path);
    const last = keys[keys.length - 1]!;
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else if (last in parent) delete parent[last];
    else throw new ApiError(0, `patch: path ${path} does not exist`);
  };
  const add = (path: string, value: unknown, replace: boolean) => {
    const keys = pointer(path);
    if (keys.length === 0) return void (root = value);
    const parent = parentOf(keys, path);
    const last = keys[keys.length - 1]!;
    if (Array.isArray(parent)) {
      const i = last === '-' ? parent.length : Number(last);
      if (!Number.isInteger(i) || i < 0 || i > parent.length)
        throw new ApiError(0, `patch: bad index in ${path}`);
      parent.splice(i, replace ? 1 : 0, value);
    } else {
      if (replace && !(last in parent)) throw new ApiError(0, `patch: path ${path} does not exist`);
      parent[last] = value;
    }
  };
  for (const raw of ops) {
    const op = raw as Op;
    if (!isObject(raw) || typeof op.path !== 'string')
      throw new ApiError(0, 'patch: each operation needs op and path');
    switch (op.op) {
      case 'add':
        add(op.path, op.value, false);
        break;
      case 'replace':
        add(op.path, op.value, true);
        break;
      case 'remove':
        remove(op.path);
        break;
      case 'move': {
        const v = get(op.from ?? '');
        remove(op.from ?? '');
        add(op.path, v, false);
        break;
      }
      case 'copy':
        add(op.path, structuredClone(get(op.from ?? '')), false);
        break;
      case 'test':
        if (JSON.stringify(get(op.path)) !== JSON.stringify(op.value))
          throw new ApiError(0, `patch: test of ${op.path} failed`);
        break;
      default:
        throw new ApiError(0, `patch: unknown operation ${String(op.op)}`);
    }
  }
  return root;
}
