/**
 * The document codec of DynamoDbStateStore (layout in dynamodb-keys.ts): JSON, gzip-compressed
 * when large, either in one item (definitions, the request) or cut into chunk items (status,
 * operation, inventory, runs). Pure: no I/O, so every case is unit-testable.
 */
import { randomUUID } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { messageOf, unreadable } from '../../ports/state-store-rules.js';
import { StateStoreError } from '../../ports/state-store.js';

/** The sizes the codec works to (DynamoDbStateStoreOptions carries them). */
export interface DocumentCodecOptions {
  /** Largest payload per item, in bytes. */
  maxChunkBytes: number;
  /** Documents whose JSON is at most this many bytes are stored as readable JSON; larger ones are gzipped. */
  plainJsonMaxBytes: number;
}

/** One slice of a chunked document, as stored (see dynamodb-keys.ts). */
export interface DocumentChunk {
  index: number;
  count: number;
  gen: string;
  /** Plain JSON (only when the document is a single uncompressed chunk). */
  json?: string;
  /** A slice of the gzip stream. */
  gz?: Uint8Array;
}

/** The attributes of a chunk item, unmarshalled (`i`, `n`, `gen`, and `json` or `gz`). */
export interface ChunkAttributes {
  i: number;
  n: number;
  gen: string;
  json?: string;
  gz?: Uint8Array;
}

/** A single-item document, unmarshalled: `doc` (plain JSON) or `docz` (gzip). */
export type DocumentAttributes = { doc: string } | { docz: Uint8Array };

/** Splits a document into chunks: plain JSON when small, else gzip cut into `maxChunkBytes` slices. */
export function encodeChunks(
  value: unknown,
  opts: DocumentCodecOptions,
  gen: string = randomUUID(),
): DocumentChunk[] {
  const json = JSON.stringify(value);
  if (json === undefined)
    throw new StateStoreError('state:invalid', 'a stored document must be JSON, not undefined');
  const size = Buffer.byteLength(json);
  if (size <= opts.plainJsonMaxBytes && size <= opts.maxChunkBytes)
    return [{ index: 0, count: 1, gen, json }];
  const gz = gzipSync(json);
  const count = Math.max(1, Math.ceil(gz.length / opts.maxChunkBytes));
  return Array.from({ length: count }, (_, index) => ({
    index,
    count,
    gen,
    gz: gz.subarray(index * opts.maxChunkBytes, (index + 1) * opts.maxChunkBytes),
  }));
}

export type DecodeResult = { ok: true; value: unknown } | { ok: false; torn: boolean; reason: string };

/**
 * Joins chunks back into the document. `torn` = the chunks belong to two writes (a read that raced
 * a transaction; read again); otherwise the stored data itself is broken.
 */
export function decodeChunks(chunks: DocumentChunk[]): DecodeResult {
  const sorted = [...chunks].sort((a, b) => a.index - b.index);
  const first = sorted[0];
  if (!first || first.index !== 0) return { ok: false, torn: true, reason: 'chunk 0 is missing' };
  // Chunks at or beyond `count` are leftovers of a larger earlier write: not part of this document.
  const parts = sorted.filter((c) => c.index < first.count);
  if (parts.length !== first.count || parts.some((c, i) => c.index !== i || c.gen !== first.gen)) {
    return {
      ok: false,
      torn: true,
      reason: `expected ${first.count} chunks of write ${first.gen}, found ${parts.map((c) => `${c.index}/${c.gen}`).join(', ')}`,
    };
  }
  try {
    if (first.count === 1 && first.json !== undefined) return { ok: true, value: JSON.parse(first.json) };
    const slices = parts.map((c) => c.gz);
    if (slices.some((s) => s === undefined))
      return { ok: false, torn: false, reason: 'a chunk has no gzip data' };
    const text = gunzipSync(Buffer.concat(slices as Uint8Array[])).toString('utf8');
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, torn: false, reason: messageOf(err) };
  }
}

/** A chunk as item attributes (to marshall next to its key). */
export function chunkAttributes(c: DocumentChunk): ChunkAttributes {
  return {
    i: c.index,
    n: c.count,
    gen: c.gen,
    ...(c.json !== undefined ? { json: c.json } : { gz: c.gz ?? new Uint8Array() }),
  };
}

/** A chunk from an unmarshalled item; missing attributes make it fail decodeChunks, never throw. */
export function chunkOf(item: Record<string, unknown>): DocumentChunk {
  return {
    index: Number(item.i),
    count: Number(item.n),
    gen: typeof item.gen === 'string' ? item.gen : '',
    json: typeof item.json === 'string' ? item.json : undefined,
    gz: isBytes(item.gz) ? item.gz : undefined,
  };
}

/** The bytes a chunk adds to a transaction. */
export function chunkBytes(c: DocumentChunk): number {
  return c.json !== undefined ? Buffer.byteLength(c.json) : (c.gz?.length ?? 0);
}

/** A single-item document: readable JSON when small, gzip when large, refused when over an item. */
export function encodeDocument(
  subject: string,
  value: unknown,
  opts: DocumentCodecOptions,
): DocumentAttributes {
  const json = JSON.stringify(value);
  if (json === undefined) throw new StateStoreError('state:invalid', `${subject} is not JSON data`);
  const size = Buffer.byteLength(json);
  if (size <= opts.plainJsonMaxBytes && size <= opts.maxChunkBytes) return { doc: json };
  const gz = gzipSync(json);
  if (gz.length > opts.maxChunkBytes) {
    throw new StateStoreError(
      'state:too-large',
      `${subject} is ${gz.length} bytes compressed (${size} as JSON), over the ${opts.maxChunkBytes}-byte item budget (DynamoDB items are at most 400 KB)`,
    );
  }
  return { docz: gz };
}

/** The document of an unmarshalled single-document item; state:corrupt when it cannot be read. */
export function decodeDocument(subject: string, item: Record<string, unknown>): unknown {
  try {
    if (typeof item.doc === 'string') return JSON.parse(item.doc);
    if (isBytes(item.docz)) return JSON.parse(gunzipSync(item.docz).toString('utf8'));
  } catch (err) {
    throw unreadable(subject, messageOf(err), err);
  }
  throw unreadable(subject, 'the item has no document');
}

/** Binary attribute values; by internal slot, since Buffers can come from another realm (jest's vm). */
function isBytes(value: unknown): value is Uint8Array {
  return ArrayBuffer.isView(value);
}
