import { Readable } from 'node:stream';

import { collectBody } from '../../../shared/webhooks/request.js';

describe('collectBody counts the bytes that arrive, whatever Content-Length says', () => {
  test('collects a body within the cap', async () => {
    const body = await collectBody(Readable.from([Buffer.from('{"a":'), Buffer.from('1}')]), 100);

    expect(body.toString()).toBe('{"a":1}');
  });

  test('stops reading at the first chunk past the cap and answers 413', async () => {
    let produced = 0;
    async function* endless() {
      for (;;) {
        produced++;
        yield Buffer.alloc(64 * 1024);
      }
    }

    await expect(collectBody(endless(), 1024 * 1024)).rejects.toMatchObject({
      httpStatus: 413,
      message: 'webhook body is larger than the limit of 1048576 bytes',
    });
    expect(produced).toBe(17);
  });

  test('destroys a Node stream it stops reading', async () => {
    const stream = Readable.from(
      (function* () {
        for (let i = 0; i < 100; i++) yield Buffer.alloc(1024);
      })(),
    );

    await expect(collectBody(stream, 4096)).rejects.toMatchObject({ httpStatus: 413 });
    expect(stream.destroyed).toBe(true);
  });
});
