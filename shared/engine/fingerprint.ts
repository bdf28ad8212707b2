import { createHash } from 'node:crypto';
import type { KubeObject } from '../domain/kube-object.js';
import { fieldManager } from './apply.js';

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  subresource?: string;
  fieldsV1?: unknown;
}

/**
 * A fingerprint of "this payload, applied, left these fields owned by gitferry". If the next sync
 * would apply the same payload and the live object still shows the same gitferry-owned field set,
 * server-side apply would change nothing: nobody took a field from us (any other writer of one of
 * our fields takes its ownership, which changes the set) and our values are what we sent. Undefined
 * when the live object has no gitferry apply entry.
 *
 * Two parts, `<payload>.<owned>`: while the payload is known to be the same (same revision, same
 * app spec: the drift check's render key), the owned part alone tells from a live object whether
 * it drifted, so a drift check needs neither a render nor a dry run (ownedFingerprint).
 */
export function applyFingerprint(payload: KubeObject, live: KubeObject): string | undefined {
  const owned = ownedFingerprint(live);
  if (!owned) return undefined;
  return `${digest(JSON.stringify(payload))}.${owned}`;
}

/** The owned part of a fingerprint, from the live object alone (undefined without a gitferry apply entry). */
export function ownedFingerprint(live: KubeObject): string | undefined {
  const entries = (live.metadata.managedFields ?? []) as ManagedFieldsEntry[];
  const ours = entries.find((e) => e.manager === fieldManager && e.operation === 'Apply' && !e.subresource);
  if (!ours) return undefined;
  return digest(
    `${ours.apiVersion ?? ''}\0${JSON.stringify(ours.fieldsV1 ?? null)}\0${live.metadata.uid ?? ''}`,
  );
}

/** The owned part of a stored fingerprint (undefined for fingerprints of the older, one-part form). */
export function ownedPartOf(fingerprint: string | undefined): string | undefined {
  const dot = fingerprint?.indexOf('.') ?? -1;
  return dot > 0 ? fingerprint!.slice(dot + 1) : undefined;
}

/** 128 bits of SHA-256, base64url: fingerprints are kept per object in every inventory. */
function digest(text: string): string {
  return createHash('sha256').update(text).digest().subarray(0, 16).toString('base64url');
}
