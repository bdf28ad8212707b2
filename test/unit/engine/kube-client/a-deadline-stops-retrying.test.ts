import { KubeApiError } from '../../../../shared/engine/errors.js';
import { KubeClient } from '../../../../shared/engine/kube-client.js';
import {
  generateCertificate,
  kubeStatus,
  startFakeApiServer,
  type Certificate,
  type FakeApiServer,
} from '../fake-api-server.js';

describe('KubeClient and request deadlines', () => {
  let certificate: Certificate;
  let server: FakeApiServer;
  let client: KubeClient;
  beforeAll(() => (certificate = generateCertificate()));
  afterEach(async () => {
    client.close();
    await server.close();
  });

  const unavailable = (retryAfter?: string) =>
    kubeStatus(
      503,
      'ServiceUnavailable',
      'the server is currently unable to handle the request',
      retryAfter ? { 'retry-after': retryAfter } : {},
    );

  test('a retry that would start after the deadline is not waited for', async () => {
    server = await startFakeApiServer(certificate, [unavailable('1')]);
    client = new KubeClient(server.connection, { baseBackoffMs: 10, maxAttempts: 10 });

    const started = Date.now();
    const request = client.request({ method: 'GET', path: '/api/v1/namespaces', deadline: started + 500 });

    await expect(request).rejects.toThrow(
      'GET /api/v1/namespaces on cluster fake: deadline passed while retrying',
    );
    expect(server.requests).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(500);
  });

  test('backoff retries stop at the deadline even though attempts remain', async () => {
    server = await startFakeApiServer(certificate, [unavailable()]);
    client = new KubeClient(server.connection, { baseBackoffMs: 100, maxBackoffMs: 100, maxAttempts: 100 });

    const started = Date.now();
    const request = client.request({ method: 'GET', path: '/api/v1/namespaces', deadline: started + 400 });

    await expect(request).rejects.toThrow(/deadline passed while retrying/);
    // Backoff is 50–100 ms, so about 4–8 tries fit before the deadline, far from the 100 allowed.
    expect(server.requests.length).toBeGreaterThanOrEqual(2);
    expect(server.requests.length).toBeLessThan(20);
    expect(Date.now() - started).toBeLessThanOrEqual(600);
  });

  test('the deadline error keeps the last answer of the API server as its cause', async () => {
    server = await startFakeApiServer(certificate, [unavailable('1')]);
    client = new KubeClient(server.connection, { baseBackoffMs: 10 });

    const err = await client
      .request({ method: 'GET', path: '/api/v1/namespaces', deadline: Date.now() + 500 })
      .then(
        () => undefined,
        (e: unknown) => e,
      );

    // House style: wrap with { cause }, never swallow. Without it the caller cannot tell a 503 from a 429.
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).cause).toBeInstanceOf(KubeApiError);
    expect((err as Error).cause).toMatchObject({ httpStatus: 503, reason: 'ServiceUnavailable' });
  });
});
