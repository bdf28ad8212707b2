// An API server that stops answering costs every request its timeouts and retries. After three
// requests in a row get no answer, the client's breaker stops sending: requests fail at once,
// naming the cluster, the last failure and when the next try goes out. Then one probe goes out;
// an answer closes the breaker, another failure keeps it open twice as long. Real TLS sockets on
// 127.0.0.1; the breaker's clock is the test's.
import { ClusterBreaker, type ClusterBreakerOptions } from '../../../../shared/engine/cluster-breaker.js';
import { KubeRequestError } from '../../../../shared/engine/errors.js';
import { KubeClient, withRequestDeadline } from '../../../../shared/engine/kube-client.js';
import {
  configMap,
  generateCertificate,
  json,
  resetConnection,
  startFakeApiServer,
  type Certificate,
  type FakeApiServer,
  type Responder,
} from '../fake-api-server.js';

describe('KubeClient with a breaker', () => {
  let certificate: Certificate;
  let server: FakeApiServer;
  const clients: KubeClient[] = [];
  let now: number;
  const clock = () => now;
  beforeAll(() => (certificate = generateCertificate()));
  beforeEach(() => (now = Date.parse('2026-12-02T12:00:00Z')));
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await server.close();
  });
  const clientOf = (breaker: ClusterBreaker, maxAttempts = 6) => {
    const c = new KubeClient(server.connection, { baseBackoffMs: 1, maxBackoffMs: 2, maxAttempts, breaker });
    clients.push(c);
    return c;
  };
  const get = (c: KubeClient) =>
    c.request({ method: 'GET', path: '/api/v1/namespaces/team-a/configmaps/settings' }).then(
      (res) => res,
      (err: unknown) => err as Error,
    );

  /**
   * A server that drops the first three connections, then answers by `script`; a client with one
   * attempt per request has sent those three, so its breaker is open (until 12:00:10).
   */
  const opened = async (script: Responder[], opts: Partial<ClusterBreakerOptions> = {}) => {
    server = await startFakeApiServer(certificate, [
      resetConnection(),
      resetConnection(),
      resetConnection(),
      ...script,
    ]);
    const breaker = new ClusterBreaker('prod-eu', opts, clock);
    const client = clientOf(breaker, 1);
    for (let i = 0; i < 3; i++) await get(client);
    expect(breaker.isOpen).toBe(true);
    return { breaker, client };
  };

  test('three failures in a row stop the retries, and later requests are not sent until the probe', async () => {
    server = await startFakeApiServer(certificate, [resetConnection()]);
    const breaker = new ClusterBreaker('prod-eu', {}, clock);
    const client = clientOf(breaker);

    const first = await get(client);
    // Three attempts, not six: the fourth was refused by the breaker, which opened on the third failure.
    expect(server.connections()).toBe(3);
    expect(first).toBeInstanceOf(KubeRequestError);
    expect(first).toMatchObject({ code: 'kube:unreachable' });
    expect((first as Error).message).toBe(
      'GET /api/v1/namespaces/team-a/configmaps/settings on cluster prod-eu: not sent, its API server has not answered 3 requests in a row (last: socket hang up); the next try goes out after 2026-12-02T12:00:10.000Z',
    );

    // Another client of the same cluster (the next wake-up) does not connect at all.
    const second = await get(clientOf(breaker));
    expect(second).toMatchObject({ code: 'kube:unreachable' });
    expect(server.connections()).toBe(3);
    expect(breaker.isOpen).toBe(true);
  });

  test('after the window one probe goes out; its failure keeps the breaker open twice as long', async () => {
    const { client } = await opened([resetConnection()]);
    expect(server.connections()).toBe(3);

    now += 10_000;
    const probe = await get(client);
    expect(server.connections()).toBe(4);
    expect(probe).not.toMatchObject({ code: 'kube:unreachable' });

    now += 10_000;
    const refused = await get(client);
    expect(server.connections()).toBe(4);
    expect((refused as Error).message).toMatch(/the next try goes out after 2026-12-02T12:00:30\.000Z$/);

    now += 10_000;
    await get(client);
    expect(server.connections()).toBe(5);
  });

  test('a probe the server answers closes the breaker, and requests flow again', async () => {
    const { breaker, client } = await opened([json(200, configMap)]);

    now += 10_000;
    const probe = await get(client);
    expect(probe).toMatchObject({ status: 200, body: configMap });
    expect(breaker.isOpen).toBe(false);
    const after = await Promise.all([get(client), get(client), get(client)]);
    expect(after.map((r) => (r as { status?: number }).status)).toEqual([200, 200, 200]);
    expect(server.requests).toHaveLength(7);
  });

  test('requests made while the probe is out wait for it, and go out once it is answered', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const { breaker, client } = await opened([
      (req, res) => void held.then(() => json(200, configMap)(req, res, undefined as never)),
      json(200, configMap),
    ]);

    now += 10_000;
    const probe = get(client);
    const others = [get(client), get(clientOf(breaker, 1))];
    await new Promise((r) => setTimeout(r, 100));
    // Only the probe reached the server; the others wait for its answer.
    expect(server.requests).toHaveLength(4);
    release();
    const answers = await Promise.all([probe, ...others]);
    expect(answers.map((a) => (a as { status?: number }).status)).toEqual([200, 200, 200]);
    expect(server.requests).toHaveLength(6);
  });

  test('requests waiting for a probe that fails are refused with the next window', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const { client } = await opened([
      (req, res, raw) => void held.then(() => resetConnection()(req, res, raw)),
    ]);

    now += 10_000;
    const probe = get(client);
    const waiting = get(client);
    await new Promise((r) => setTimeout(r, 100));
    release();

    expect(await probe).not.toMatchObject({ code: 'kube:unreachable' });
    expect(((await waiting) as Error).message).toMatch(/next try goes out after 2026-12-02T12:00:30\.000Z$/);
    expect(server.requests).toHaveLength(4);
  });

  test('requests do not wait for a probe longer than probeWaitMs: a probe that hangs holds only itself', async () => {
    const { client } = await opened([() => {}], { probeWaitMs: 100 });

    now += 10_000;
    void get(client); // the probe: the server holds it
    const waited = await get(client);

    expect((waited as Error).message).toMatch(/; a probe is out and has had no answer for 0\.1 s$/);
    expect(server.requests).toHaveLength(4);
  });

  test('an answer between failures starts the count again', async () => {
    server = await startFakeApiServer(certificate, [
      resetConnection(),
      resetConnection(),
      json(200, configMap),
      resetConnection(),
      resetConnection(),
      json(200, configMap),
    ]);
    const breaker = new ClusterBreaker('prod-eu', {}, clock);
    const client = clientOf(breaker, 1);

    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await get(client));

    expect(answers.filter((a) => (a as { status?: number }).status === 200)).toHaveLength(2);
    expect(answers.some((a) => (a as { code?: string }).code === 'kube:unreachable')).toBe(false);
    expect(server.requests).toHaveLength(6);
    expect(breaker.isOpen).toBe(false);
  });

  test('a request cut short by its own deadline says nothing about the server and is not counted', async () => {
    server = await startFakeApiServer(certificate, [() => {}]);
    const breaker = new ClusterBreaker('prod-eu', {}, clock);
    const client = new KubeClient(server.connection, { requestTimeoutMs: 60_000, breaker });
    clients.push(client);

    // A worker near the end of its lease: each request has 50 ms left, far less than the 60 s timeout.
    for (let i = 0; i < 4; i++)
      expect(await withRequestDeadline(Date.now() + 50, () => get(client))).toMatchObject({
        code: 'kube:deadline',
      });

    expect(breaker.isOpen).toBe(false);
    expect(server.requests).toHaveLength(4);
  });

  test('resets of kept-alive connections (closed as a request went out) are not counted', async () => {
    server = await startFakeApiServer(certificate, [
      json(200, configMap),
      json(200, configMap),
      json(200, configMap),
      resetConnection(),
      resetConnection(),
      resetConnection(),
      json(200, configMap),
    ]);
    const breaker = new ClusterBreaker('prod-eu', {}, clock);
    const client = clientOf(breaker, 1);
    await Promise.all([get(client), get(client), get(client)]);
    expect(server.connections()).toBe(3);

    // The same three connections, reused: the server drops each as the request arrives.
    const resets = await Promise.all([get(client), get(client), get(client)]);
    expect(resets.every((r) => (r as { code?: string }).code === 'kube:network')).toBe(true);
    expect(server.connections()).toBe(3);

    expect(breaker.isOpen).toBe(false);
    expect(await get(client)).toMatchObject({ status: 200 });
  });

  test('an error answer is an answer: a server saying 503 is not cut off by the breaker', async () => {
    server = await startFakeApiServer(certificate, [
      json(503, { kind: 'Status', message: 'etcd leader changed' }),
    ]);
    const breaker = new ClusterBreaker('prod-eu', {}, clock);
    const client = clientOf(breaker);

    const err = await get(client);

    expect(err).not.toMatchObject({ code: 'kube:unreachable' });
    expect(server.requests).toHaveLength(6);
    expect(breaker.isOpen).toBe(false);
  });
});
