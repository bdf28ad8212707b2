import { deflateSync } from 'node:zlib';
import { checkPack } from '../../../../shared/source/pack-check.js';
import { defaultSourceLimits } from '../../../../shared/source/types.js';
import { errorOf } from '../temp-tree.js';
import { deltaVarint as varint, packObjectHeader as header } from '../../../support/pack-bytes.js';

function pack(objects: Buffer[], count = objects.length): Buffer {
  const head = Buffer.alloc(12);
  head.write('PACK', 0, 'latin1');
  head.writeUInt32BE(2, 4);
  head.writeUInt32BE(count, 8);
  return Buffer.concat([head, ...objects, Buffer.alloc(20)]);
}

const blob = (content: Buffer, declared = content.length) =>
  Buffer.concat([header(3, declared), deflateSync(content)]);
const subject = 'fetching 1234 of https://git.example.com/r.git';
const limits = {
  ...defaultSourceLimits,
  maxFileBytes: 1024 * 1024,
  maxBytes: 4 * 1024 * 1024,
  maxFiles: 100,
};

describe('checkPack', () => {
  test('an honest pack passes and says what it unpacks to', () => {
    const delta = Buffer.concat([varint(5), varint(10), Buffer.from([0x0a]), Buffer.from('0123456789')]);
    const ofsDelta = Buffer.concat([header(6, delta.length), Buffer.from([0x0e]), deflateSync(delta)]);

    expect(checkPack(pack([blob(Buffer.from('hello')), ofsDelta]), limits, subject)).toEqual({
      objects: 2,
      bytes: 15,
    });
  });

  test('a 50 MiB blob of zeros (50 KiB in the pack) is refused from its header, before it is inflated', () => {
    const zeros = Buffer.concat([header(3, 50 * 1024 * 1024), deflateSync(Buffer.alloc(50 * 1024 * 1024))]);

    const err = errorOf(() => checkPack(pack([zeros]), limits, subject));

    expect(err.code).toBe('source:too-large');
    expect(err.message).toBe(
      `${subject}: the pack holds a blob of 52428800 bytes, more than the limit of 1048576 bytes for one file (refused before unpacking)`,
    );
  });

  test('a blob whose header understates its size is stopped at the declared size', () => {
    const liar = blob(Buffer.alloc(50 * 1024 * 1024), 10);

    const err = errorOf(() => checkPack(pack([liar]), limits, subject));

    expect(err.code).toBe('source:bad-pack');
    expect(err.message).toBe(
      `${subject}: the pack is malformed: object 1 inflates to more than the 10 bytes it declares`,
    );
  });

  test('a small delta that declares a 1 GiB result is refused before it is applied', () => {
    const delta = Buffer.concat([varint(5), varint(1024 * 1024 * 1024), Buffer.from([0x90, 0x05])]);
    const refDelta = Buffer.concat([header(7, delta.length), Buffer.alloc(20, 0xab), deflateSync(delta)]);

    const err = errorOf(() => checkPack(pack([blob(Buffer.from('hello')), refDelta]), limits, subject));

    expect(err.code).toBe('source:too-large');
    expect(err.message).toMatch(/a delta that makes an object of 1073741824 bytes, more than the limit/);
  });

  test('blobs each under the per-file limit stop at the total byte limit', () => {
    const mib = Array.from({ length: 6 }, (_, i) => blob(Buffer.alloc(1024 * 1024, i)));

    const err = errorOf(() => checkPack(pack(mib), limits, subject));

    expect(err.code).toBe('source:too-large');
    expect(err.message).toBe(
      `${subject}: the pack unpacks to more than the limit of 4194304 bytes (refused at object 5 of 6, before unpacking)`,
    );
  });

  test('a header announcing 100k objects is refused before any is read', () => {
    const err = errorOf(() => checkPack(pack([blob(Buffer.from('x'))], 100_000), limits, subject));

    expect(err.code).toBe('source:too-many-files');
    expect(err.message).toMatch(/the pack holds 100000 objects, more than a checkout of at most 100 files/);
  });

  test.each([
    ['no header', Buffer.from('not a pack at all, just some bytes here')],
    ['truncated objects', pack([blob(Buffer.from('hello'))], 3)],
    ['junk after the last object', pack([blob(Buffer.from('hello')), Buffer.from('junk')], 1)],
    ['an unknown type', pack([Buffer.concat([header(5, 1), deflateSync(Buffer.from('x'))])])],
    ['a truncated zlib stream', pack([blob(Buffer.from('hello')).subarray(0, 6)])],
  ])('%s is refused as source:bad-pack', (_, bytes) => {
    expect(errorOf(() => checkPack(bytes, limits, subject)).code).toBe('source:bad-pack');
  });
});
