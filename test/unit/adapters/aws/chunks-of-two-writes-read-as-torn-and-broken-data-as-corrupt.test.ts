import { createHash } from 'node:crypto';
import { decodeChunks, encodeChunks } from '../../../../shared/adapters/aws/dynamodb-chunks.js';

const opts = { maxChunkBytes: 2_000, plainJsonMaxBytes: 100 };
const big = (seed: string) =>
  Array.from({ length: 300 }, (_, i) => createHash('sha256').update(`${seed}/${i}`).digest('hex'));

describe('decodeChunks tells a read that raced a write from broken data', () => {
  test('chunks of two writes are torn (read again)', () => {
    const a = encodeChunks(big('a'), opts, 'a');
    const b = encodeChunks(big('b'), opts, 'b');
    const mixed = [a[0]!, ...b.slice(1)];

    expect(decodeChunks(mixed)).toMatchObject({
      ok: false,
      torn: true,
      reason: expect.stringMatching(/^expected \d+ chunks of write a/),
    });
  });

  test('a missing chunk is torn', () => {
    const a = encodeChunks(big('a'), opts, 'a');

    expect(decodeChunks(a.slice(1))).toMatchObject({ ok: false, torn: true, reason: 'chunk 0 is missing' });
    expect(decodeChunks([a[0]!, ...a.slice(2)])).toMatchObject({ ok: false, torn: true });
  });

  test('data that does not gunzip is corrupt, not torn', () => {
    const [first] = encodeChunks(big('a'), { maxChunkBytes: 1_000_000, plainJsonMaxBytes: 100 }, 'a');
    const broken = { ...first!, gz: Uint8Array.from(first!.gz!).fill(7, 10, 200) };

    expect(decodeChunks([broken])).toMatchObject({ ok: false, torn: false });
  });
});
