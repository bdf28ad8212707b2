import { createTwoFilesPatch } from 'diff';
import { dump } from 'js-yaml';
import type { KubeObject } from '../domain/kube-object.js';
import type { IgnoreDifference } from '../domain/ignore-difference.js';

export type { IgnoreDifference };

/** Fields the server owns or that change on every write: never a difference worth reporting. */
const volatileMetadata = [
  'managedFields',
  'resourceVersion',
  'uid',
  'generation',
  'creationTimestamp',
  'selfLink',
];

/** A deep copy without server-owned fields and status, so two objects compare on intent only. */
export function normalize(obj: KubeObject): KubeObject {
  const copy = structuredClone(obj);
  for (const f of volatileMetadata) delete copy.metadata[f];
  delete copy.status;
  if (copy.metadata.annotations && Object.keys(copy.metadata.annotations).length === 0)
    delete copy.metadata.annotations;
  if (copy.metadata.labels && Object.keys(copy.metadata.labels).length === 0) delete copy.metadata.labels;
  return copy;
}

/** JSON pointers that apply to this object from the app's ignoreDifferences. */
export function ignoredPointers(obj: KubeObject, rules: IgnoreDifference[]): string[] {
  const group = obj.apiVersion.includes('/') ? obj.apiVersion.split('/')[0] : '';
  return rules
    .filter(
      (r) =>
        r.kind === obj.kind &&
        (r.group ?? '') === group &&
        (r.name === undefined || r.name === obj.metadata.name) &&
        (r.namespace === undefined || r.namespace === obj.metadata.namespace),
    )
    .flatMap((r) => r.jsonPointers ?? []);
}

/** Removes the value at an RFC 6901 pointer, if present (mutates). */
export function removePointer(obj: unknown, pointer: string): void {
  if (pointer === '' || pointer === '/') return;
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let cur: unknown = obj;
  for (const key of parts.slice(0, -1)) {
    if (cur === null || typeof cur !== 'object') return;
    cur = (cur as Record<string, unknown>)[key];
  }
  const last = parts[parts.length - 1]!;
  if (Array.isArray(cur)) {
    const i = Number(last);
    if (Number.isInteger(i) && i >= 0 && i < cur.length) cur.splice(i, 1);
  } else if (cur !== null && typeof cur === 'object') {
    delete (cur as Record<string, unknown>)[last];
  }
}

/**
 * Secret values replaced by placeholders on both sides: equal values show the same mask, changed
 * values different masks, so a diff says *that* a key changed but never *what* it holds.
 */
export function maskSecrets(
  live: KubeObject | undefined,
  desired: KubeObject | undefined,
): [KubeObject | undefined, KubeObject | undefined] {
  const isSecret = (o?: KubeObject) => o?.kind === 'Secret' && o.apiVersion === 'v1';
  if (!isSecret(live) && !isSecret(desired)) return [live, desired];
  const l = live && structuredClone(live);
  const d = desired && structuredClone(desired);
  for (const field of ['data', 'stringData'] as const) {
    const lv = (l?.[field] ?? {}) as Record<string, unknown>;
    const dv = (d?.[field] ?? {}) as Record<string, unknown>;
    for (const key of new Set([...Object.keys(lv), ...Object.keys(dv)])) {
      const same = lv[key] === dv[key];
      if (key in lv) lv[key] = same ? '++++++++' : '++++++++ (live)';
      if (key in dv) dv[key] = same ? '++++++++' : '++++++++ (desired)';
    }
  }
  const kubectlLastApplied = 'kubectl.kubernetes.io/last-applied-configuration';
  for (const o of [l, d])
    if (o?.metadata.annotations?.[kubectlLastApplied])
      o.metadata.annotations[kubectlLastApplied] = '++++++++';
  return [l, d];
}

/** Deep equality of JSON values (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bArr = b as unknown[];
    return a.length === bArr.length && a.every((v, i) => jsonEqual(v, bArr[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = Object.keys(ao);
  return keys.length === Object.keys(bo).length && keys.every((k) => k in bo && jsonEqual(ao[k], bo[k]));
}

/**
 * Most diff text kept for one object. A missing or prunable object diffs whole, and CRDs of
 * widely used charts run to hundreds of kilobytes each: statuses and history hold the head of such
 * a diff and say how much was left out.
 */
export const maxObjectDiffBytes = 64 * 1024;

/** Text cut at a line boundary to at most `maxBytes`, with a last line saying what was left out. */
export function truncateDiff(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const lines = text.split('\n');
  let size = 0;
  let kept = 0;
  while (kept < lines.length && size + Buffer.byteLength(lines[kept]!) + 1 <= maxBytes) {
    size += Buffer.byteLength(lines[kept]!) + 1;
    kept++;
  }
  return `${lines.slice(0, kept).join('\n')}\n… ${lines.length - kept} more line(s) not shown (diff larger than ${Math.round(maxBytes / 1024)} KiB)\n`;
}

export interface ObjectDiff {
  changed: boolean;
  /** Unified diff of the normalised YAML, Secret values masked. Empty when unchanged. */
  text: string;
}

/**
 * Compares the live object with what it would become (the server's dry-run answer), both
 * normalised and with ignored pointers removed.
 */
export function diffObjects(
  name: string,
  live: KubeObject | undefined,
  predicted: KubeObject | undefined,
  ignore: string[] = [],
): ObjectDiff {
  const prep = (o: KubeObject | undefined) => {
    if (!o) return undefined;
    const n = normalize(o);
    for (const p of ignore) removePointer(n, p);
    return n;
  };
  const [l, p] = [prep(live), prep(predicted)];
  if (jsonEqual(l, p)) return { changed: false, text: '' };
  const [ml, mp] = maskSecrets(l, p);
  const yaml = (o: KubeObject | undefined) =>
    o ? dump(o, { sortKeys: true, lineWidth: -1, noRefs: true }) : '';
  const text = createTwoFilesPatch(
    `${name} (live)`,
    `${name} (desired)`,
    yaml(ml),
    yaml(mp),
    undefined,
    undefined,
    { context: 3 },
  );
  return { changed: true, text: truncateDiff(text, maxObjectDiffBytes) };
}
