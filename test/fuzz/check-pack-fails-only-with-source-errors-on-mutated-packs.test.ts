import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { SourceError } from '../../shared/source/errors.js';
import { checkPack } from '../../shared/source/pack-check.js';
import { defaultSourceLimits } from '../../shared/source/types.js';
import { fuzzRuns } from '../support/fuzz.js';
import { deltaVarint as varint, packObjectHeader as header } from '../support/pack-bytes.js';

const limits = { ...defaultSourceLimits, maxFiles: 50, maxFileBytes: 64 * 1024, maxBytes: 256 * 1024 };
const codes = new Set(['source:bad-pack', 'source:too-large', 'source:too-many-files']);

/** An honest pack of blobs (some highly compressible) and deltas against the first one. */
const honestPack = fc
  .array(
    fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((b) => ({ kind: 'blob' as const, data: Buffer.from(b) })),
      fc.integer({ min: 0, max: 40_000 }).map((n) => ({ kind: 'blob' as const, data: Buffer.alloc(n) })),
      fc
        .uint8Array({ minLength: 1, maxLength: 100 })
        .map((b) => ({ kind: 'delta' as const, data: Buffer.from(b) })),
    ),
    { minLength: 1, maxLength: 8 },
  )
  .map((objects) => {
    const parts: Buffer[] = [];
    for (const o of objects) {
      if (o.kind === 'blob') parts.push(header(3, o.data.length), deflateSync(o.data));
      else {
        const delta = Buffer.concat([
          varint(1),
          varint(o.data.length),
          Buffer.from([o.data.length & 0x7f || 1]),
          o.data,
        ]);
        parts.push(header(7, delta.length), Buffer.alloc(20, 7), deflateSync(delta));
      }
    }
    const head = Buffer.alloc(12);
    head.write('PACK', 0, 'latin1');
    head.writeUInt32BE(2, 4);
    head.writeUInt32BE(objects.length, 8);
    return Buffer.concat([head, ...parts, Buffer.alloc(20)]);
  });

/** Byte flips, truncations and insertions anywhere in the pack. */
const mutatedPack = fc
  .tuple(
    honestPack,
    fc.array(fc.tuple(fc.constantFrom('flip', 'cut', 'insert'), fc.nat(), fc.integer({ min: 0, max: 255 })), {
      minLength: 1,
      maxLength: 4,
    }),
  )
  .map(([pack, edits]) => {
    let bytes = pack;
    for (const [edit, at, value] of edits) {
      const i = at % Math.max(1, bytes.length);
      if (edit === 'flip') {
        bytes = Buffer.from(bytes);
        bytes[i] = value;
      } else if (edit === 'cut') bytes = bytes.subarray(0, i);
      else bytes = Buffer.concat([bytes.subarray(0, i), Buffer.from([value]), bytes.subarray(i)]);
    }
    return bytes;
  });

function checksWithinLimits(pack: Uint8Array): void {
  let summary;
  try {
    summary = checkPack(pack, limits, 'fetching x of y');
  } catch (err) {
    expect(err).toBeInstanceOf(SourceError);
    expect(codes).toContain((err as SourceError).code);
    expect((err as Error).message.startsWith('fetching x of y: ')).toBe(true);
    return;
  }
  expect(summary.objects).toBeLessThanOrEqual(limits.maxFiles + 2);
  expect(summary.bytes).toBeLessThanOrEqual(limits.maxBytes);
}

describe('checkPack under fuzzing', () => {
  test('honest packs pass or are refused by a limit, never as malformed', () => {
    fc.assert(
      fc.property(honestPack, (pack) => {
        try {
          checkPack(pack, limits, 'fetching x of y');
        } catch (err) {
          expect((err as SourceError).code).not.toBe('source:bad-pack');
          expect(codes).toContain((err as SourceError).code);
        }
      }),
      { numRuns: fuzzRuns(300) },
    );
  });

  test('mutated packs fail only with a SourceError, and what passes keeps the limits', () => {
    fc.assert(fc.property(mutatedPack, checksWithinLimits), { numRuns: fuzzRuns() });
  });

  test('arbitrary bytes after a pack header fail only with a SourceError', () => {
    const arbitrary = fc
      .tuple(fc.integer({ min: 0, max: 200_000 }), fc.uint8Array({ maxLength: 2000 }))
      .map(([count, rest]) => {
        const head = Buffer.alloc(12);
        head.write('PACK', 0, 'latin1');
        head.writeUInt32BE(2, 4);
        head.writeUInt32BE(count, 8);
        return Buffer.concat([head, rest]);
      });
    fc.assert(fc.property(arbitrary, checksWithinLimits), { numRuns: fuzzRuns() });
  });
});
