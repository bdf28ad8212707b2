import { guardedGet } from '../../../../shared/source/guarded-http.js';
import { rejectionOf } from '../temp-tree.js';
import { redirectTo, startServer, type LocalServer } from './local-servers.js';

const guard = { allowedHosts: ['127.0.0.1/32'] };

describe('guardedGet bounds downloads and guards every hop', () => {
  let server: LocalServer;
  afterEach(async () => {
    await server.close();
  });

  test('a redirect to the metadata address is refused', async () => {
    server = await startServer('127.0.0.1', redirectTo('http://169.254.169.254/latest/meta-data/'));

    const err = await rejectionOf(guardedGet(`${server.origin}/index.yaml`, { guard }));

    expect(err.code).toBe('source:url-refused');
    expect(err.message).toContain('169.254.169.254, a link-local cloud metadata address');
  });

  test('a chunked body over the cap fails while streaming', async () => {
    server = await startServer('127.0.0.1', (_req, res) => {
      const chunk = Buffer.alloc(64 * 1024, 'a');
      let sent = 0;
      const pump = () => {
        while (sent < 100 && res.write(chunk)) sent++;
        if (sent < 100) res.once('drain', pump);
        else res.end();
      };
      pump();
    });

    const err = await rejectionOf(guardedGet(`${server.origin}/big`, { guard, maxBytes: 256 * 1024 }));

    expect(err.code).toBe('source:too-large');
  });

  test('a declared Content-Length over the cap fails before the body is read', async () => {
    server = await startServer('127.0.0.1', (_req, res) => {
      res.writeHead(200, { 'content-length': String(10 * 1024 * 1024) });
      res.write('x');
    });

    const err = await rejectionOf(guardedGet(`${server.origin}/big`, { guard, maxBytes: 1024 }));

    expect(err.code).toBe('source:too-large');
  });

  test('a server that drips bytes fails at the overall deadline', async () => {
    server = await startServer('127.0.0.1', (_req, res) => {
      res.writeHead(200);
      const drip = setInterval(() => res.write('.'), 50);
      res.on('close', () => clearInterval(drip));
    });

    const started = Date.now();
    const err = await rejectionOf(guardedGet(`${server.origin}/slow`, { guard, timeoutMs: 400 }));

    expect(err.code).toBe('source:timeout');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  test('redirect loops stop at maxRedirects', async () => {
    server = await startServer('127.0.0.1', redirectTo('/again'));

    const err = await rejectionOf(guardedGet(`${server.origin}/x`, { guard, maxRedirects: 3 }));

    expect(err.message).toContain('too many redirects');
    expect(server.seen).toHaveLength(4);
  });

  test('error messages never carry URL credentials', async () => {
    server = await startServer('127.0.0.1', redirectTo('http://169.254.169.254/'));

    const err = await rejectionOf(
      guardedGet(`http://robot:hunter2@127.0.0.1:${server.port}/x?private_token=hunter3`, { guard }),
    );

    expect(err.message).not.toMatch(/hunter/);
  });
});
