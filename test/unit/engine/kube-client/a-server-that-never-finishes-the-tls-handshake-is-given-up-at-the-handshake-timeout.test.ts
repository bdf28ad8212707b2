// An address that accepts TCP and never speaks TLS (a load balancer in front of a dead API server,
// a wrong port): each attempt used to wait twice the request timeout, because Node does not time a
// socket out while a write is queued, and the request waits for the handshake in that queue. A new
// connection's handshake now has its own timeout (10 s by default, never more than the request's),
// and its failures count against the cluster like any other unanswered request.
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ClusterBreaker } from '../../../../shared/engine/cluster-breaker.js';
import { KubeClient, withRequestDeadline } from '../../../../shared/engine/kube-client.js';
import { generateCertificate, startFakeApiServer, type Certificate } from '../fake-api-server.js';

describe('KubeClient against a server that never finishes the TLS handshake', () => {
  let certificate: Certificate;
  let silent: Server;
  let sockets: Socket[];
  let clients: KubeClient[];
  beforeAll(() => (certificate = generateCertificate()));
  beforeEach(async () => {
    sockets = [];
    clients = [];
    // Accepts, reads the ClientHello, never answers.
    silent = createServer((s) => {
      sockets.push(s);
      s.on('error', () => {});
      s.resume();
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  });
  afterEach(async () => {
    for (const c of clients) c.close();
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });
  const clientOf = (opts: ConstructorParameters<typeof KubeClient>[1]) => {
    const { port } = silent.address() as AddressInfo;
    const c = new KubeClient(
      {
        name: 'prod-eu',
        server: `https://127.0.0.1:${port}`,
        tls: { ca: certificate.cert },
        authorization: async () => undefined,
      },
      opts,
    );
    clients.push(c);
    return c;
  };
  const get = (c: KubeClient) =>
    c.request({ method: 'GET', path: '/version' }).then(
      () => undefined,
      (err: unknown) => err as Error & { code?: string },
    );

  test('an attempt ends at the handshake timeout, not at (twice) the request timeout', async () => {
    const client = clientOf({ requestTimeoutMs: 60_000, handshakeTimeoutMs: 200, maxAttempts: 1 });

    const err = await get(client);

    expect(err).toMatchObject({ code: 'kube:network' });
    expect(err?.message).toMatch(
      /^GET \/version on cluster prod-eu failed: no TLS handshake within 0\.\d s$/,
    );
    expect(sockets).toHaveLength(1);
  }, 10_000);

  test('a request timeout shorter than the handshake timeout bounds the handshake', async () => {
    const client = clientOf({ requestTimeoutMs: 1_000, maxAttempts: 1 });

    const started = Date.now();
    const err = await get(client);

    expect(err?.message).toMatch(/no TLS handshake within 1\.\d s$/);
    // Twice the request timeout before the handshake had its own timer.
    expect(Date.now() - started).toBeLessThan(1_900);
  }, 10_000);

  test('handshakes that time out open the breaker: the next request is not sent', async () => {
    const breaker = new ClusterBreaker('prod-eu');
    const client = clientOf({ handshakeTimeoutMs: 100, maxAttempts: 1, breaker });
    for (let i = 0; i < 3; i++) expect((await get(client))?.message).toMatch(/no TLS handshake/);

    const err = await get(client);

    expect(err).toMatchObject({ code: 'kube:unreachable' });
    expect(err?.message).toMatch(
      /has not answered 3 requests in a row \(last: no TLS handshake within 0\.\d s\)/,
    );
    expect(sockets).toHaveLength(3);
  }, 10_000);

  test('a handshake cut short by the worker’s deadline does not count against the cluster', async () => {
    const breaker = new ClusterBreaker('prod-eu');
    const client = clientOf({ maxAttempts: 1, breaker });

    for (let i = 0; i < 3; i++) {
      const err = await withRequestDeadline(Date.now() + 100, () => get(client));
      expect(err?.message).toMatch(/no TLS handshake within 0\.\d s/);
    }

    expect(breaker.isOpen).toBe(false);
  }, 10_000);

  test('once the handshake is done, the request timeout governs the wait for the answer', async () => {
    const server = await startFakeApiServer(certificate, [() => {}]);
    try {
      const client = new KubeClient(server.connection, {
        handshakeTimeoutMs: 100,
        requestTimeoutMs: 600,
        maxAttempts: 1,
      });
      clients.push(client);

      const err = await get(client);

      expect(err?.message).toMatch(/failed: no answer within 0\.\d s$/);
      expect(server.requests).toHaveLength(1);
    } finally {
      await server.close();
    }
  }, 10_000);
});
