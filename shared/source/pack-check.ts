// A fetched pack is checked against the checkout's limits before isomorphic-git unpacks it:
// indexing a pack inflates every object in memory, and zlib expands up to about 1,000 times, so a
// 300 KB pack may hold a 300 MB blob (notes/safety.md item 12). The pack format
// (gitformat-pack(5)) declares each object's type and inflated size in a few header bytes, and a
// delta declares its result's size in the first bytes of its data; both are checked before the
// object is inflated, and the inflation itself may not produce more than was declared.
import { inflateSync } from 'node:zlib';
import { SourceError } from './errors.js';
import { repoMaxFilesHint, type SourceLimits } from './types.js';

const typeNames: Record<number, string> = {
  1: 'commit',
  2: 'tree',
  3: 'blob',
  4: 'tag',
  6: 'delta',
  7: 'delta',
};
const ofsDelta = 6;
const refDelta = 7;
/**
 * Bytes of delta data one result byte may need: git's deltas insert at most 127 bytes per opcode
 * byte and copy runs with up to 7 bytes of operands, so real deltas stay near their result's size.
 */
const deltaOverhead = (resultLimit: number) => resultLimit + Math.ceil(resultLimit / 64) + 1024;

/** What a pack unpacks to, as checked. */
export interface PackSummary {
  objects: number;
  /** Inflated bytes of all objects (delta results counted at their result size). */
  bytes: number;
}

/** Reads a little-endian base-128 varint (a delta's base and result sizes). */
function deltaSize(data: Buffer, at: { pos: number }): number {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = data[at.pos++];
    if (b === undefined || shift > 49) return Number.POSITIVE_INFINITY;
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if ((b & 0x80) === 0) return value;
  }
}

/**
 * Checks a whole pack (the bytes isomorphic-git is about to write and index) against `limits`,
 * object by object, without inflating anything past its declared size:
 * - more objects than a checkout of `maxFiles` entries can need → `source:too-many-files`;
 * - an object (or a delta's result) larger than `maxFileBytes` → `source:too-large`, before it
 *   is inflated;
 * - objects unpacking to more than `maxBytes` together → `source:too-large`;
 * - an object that inflates to more or less than it declares, or bytes that are not a pack →
 *   `source:bad-pack`.
 * `subject` starts every message (`fetching <sha> of <url>`).
 */
export function checkPack(pack: Uint8Array, limits: SourceLimits, subject: string): PackSummary {
  const buf = Buffer.from(pack.buffer, pack.byteOffset, pack.byteLength);
  const bad = (why: string) =>
    new SourceError('source:bad-pack', `${subject}: the pack is malformed: ${why}`);
  if (buf.length < 32 || buf.toString('latin1', 0, 4) !== 'PACK') throw bad('no pack header');
  const version = buf.readUInt32BE(4);
  if (version !== 2 && version !== 3) throw bad(`version ${version}`);
  const objects = buf.readUInt32BE(8);
  // Every object but the commit and its root tree is reached through at least one tree entry.
  if (objects > limits.maxFiles + 2)
    throw new SourceError(
      'source:too-many-files',
      `${subject}: the pack holds ${objects} objects, more than a checkout of at most ${limits.maxFiles} files and directories needs (refused before unpacking; ${repoMaxFilesHint})`,
    );
  const end = buf.length - 20;
  let pos = 12;
  let bytes = 0;
  for (let i = 0; i < objects; i++) {
    if (pos >= end) throw bad(`it ends before object ${i + 1} of ${objects}`);
    let b = buf[pos++]!;
    const type = (b >> 4) & 7;
    let size = b & 15;
    let shift = 4;
    while (b & 0x80) {
      if (pos >= end || shift > 49) throw bad(`object ${i + 1} has a broken header`);
      b = buf[pos++]!;
      size += (b & 0x7f) * 2 ** shift;
      shift += 7;
    }
    const name = typeNames[type];
    if (!name) throw bad(`object ${i + 1} has unknown type ${type}`);
    if (type === ofsDelta) {
      while (pos < end && buf[pos]! & 0x80) pos++;
      pos++;
    } else if (type === refDelta) {
      pos += 20;
    }
    const isDelta = type === ofsDelta || type === refDelta;
    const sizeLimit = isDelta ? deltaOverhead(limits.maxFileBytes) : limits.maxFileBytes;
    if (size > sizeLimit)
      throw new SourceError(
        'source:too-large',
        `${subject}: the pack holds a ${name} of ${size} bytes, more than the limit of ${limits.maxFileBytes} bytes for one file (refused before unpacking)`,
      );
    let data: Buffer;
    let consumed: number;
    try {
      // maxOutputLength stops zlib at the declared size: a lying header cannot make it expand further.
      const out = inflateSync(buf.subarray(pos, end), {
        info: true,
        maxOutputLength: Math.max(1, size),
      }) as unknown as {
        buffer: Buffer;
        engine: { bytesWritten: number };
      };
      data = out.buffer;
      consumed = out.engine.bytesWritten;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
        throw bad(`object ${i + 1} inflates to more than the ${size} bytes it declares`);
      throw bad(`object ${i + 1} cannot be inflated (${(err as Error).message})`);
    }
    if (data.length !== size) throw bad(`object ${i + 1} inflates to ${data.length} bytes, not ${size}`);
    pos += consumed;
    let result = size;
    if (isDelta) {
      const at = { pos: 0 };
      deltaSize(data, at);
      result = deltaSize(data, at);
      if (result > limits.maxFileBytes)
        throw new SourceError(
          'source:too-large',
          `${subject}: the pack holds a delta that makes an object of ${Number.isFinite(result) ? result : 'unbounded'} bytes, more than the limit of ${limits.maxFileBytes} bytes for one file (refused before unpacking)`,
        );
    }
    bytes += result;
    if (bytes > limits.maxBytes)
      throw new SourceError(
        'source:too-large',
        `${subject}: the pack unpacks to more than the limit of ${limits.maxBytes} bytes (refused at object ${i + 1} of ${objects}, before unpacking)`,
      );
  }
  if (pos !== end) throw bad(`${end - pos} bytes follow its last object`);
  return { objects, bytes };
}
