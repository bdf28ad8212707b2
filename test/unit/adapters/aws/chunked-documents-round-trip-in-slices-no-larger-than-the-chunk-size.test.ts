import { createHash } from 'node:crypto';
import { decodeChunks, encodeChunks } from '../../../../shared/adapters/aws/dynamodb-chunks.js';

const opts = { maxChunkBytes: 10_000, plainJsonMaxBytes: 2_000 };
const hash = (i: number) => createHash('sha256').update(String(i)).digest('hex');

describe('chunked documents', () => {
  test('a small document is one chunk of plain JSON', () => {
    const doc = { app: 'web', note: 'ünïcødé ✓', list: [1, null, true] };
    const chunks = encodeChunks(doc, opts, 'g1');

    expect(chunks).toEqual([{ index: 0, count: 1, gen: 'g1', json: JSON.stringify(doc) }]);
    expect(decodeChunks(chunks)).toEqual({ ok: true, value: doc });
  });

  test('a large document is gzip cut into slices no larger than maxChunkBytes, joined back in any order', () => {
    const doc = Array.from({ length: 2_000 }, (_, i) => ({ name: `object-${i}`, fingerprint: hash(i) }));
    const chunks = encodeChunks(doc, opts, 'g2');

    expect(chunks.length).toBeGreaterThan(5);
    for (const [i, c] of chunks.entries()) {
      expect(c).toMatchObject({ index: i, count: chunks.length, gen: 'g2' });
      expect(c.json).toBeUndefined();
      expect(c.gz!.length).toBeLessThanOrEqual(opts.maxChunkBytes);
    }
    expect(decodeChunks([...chunks].reverse())).toEqual({ ok: true, value: doc });
  });

  test('chunks beyond the count, left by a larger earlier write, are not part of the document', () => {
    const doc = { small: true };
    const leftover = encodeChunks(
      { big: hash(1).repeat(500) },
      { maxChunkBytes: 100, plainJsonMaxBytes: 10 },
      'old',
    );

    expect(decodeChunks([...encodeChunks(doc, opts, 'new'), ...leftover.slice(1)])).toEqual({
      ok: true,
      value: doc,
    });
  });
});
