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
 */
export function applyFingerprint(payload: KubeObject, live: KubeObject): string | undefined {
  const entries = (live.metadata.managedFields ?? []) as ManagedFieldsEntry[];
  const ours = entries.find((e) => e.manager === fieldManager && e.operation === 'Apply' && !e.subresource);
  if (!ours) return undefined;
  return createHash('sha256')
    .update(JSON.stringify(payload))
    .update('\0')
    .update(ours.apiVersion ?? '')
    .update('\0')
    .update(JSON.stringify(ours.fieldsV1 ?? null))
    .update('\0')
    .update(live.metadata.uid ?? '')
    .digest('base64url');
}
