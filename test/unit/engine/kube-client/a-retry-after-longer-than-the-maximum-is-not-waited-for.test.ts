import { KubeApiError } from '../../../../shared/engine/errors.js';
import { KubeClient } from '../../../../shared/engine/kube-client.js';
import {
  generateCertificate,
  kubeStatus,
  startFakeApiServer,
  type Certificate,
  type FakeApiServer,
} from '../fake-api-server.js';

describe('KubeClient and long Retry-After', () => {
  let certificate: Certificate;
  let server: FakeApiServer;
  let client: KubeClient;
  beforeAll(() => (certificate = generateCertificate()));
  afterEach(async () => {
    client.close();
    await server.close();
  });

  test('a 429 asking to retry after longer than maxRetryAfterMs fails at once with the 429', async () => {
    server = await startFakeApiServer(certificate, [
      kubeStatus(429, 'TooManyRequests', 'storage is being throttled', { 'retry-after': '120' }),
    ]);
    client = new KubeClient(server.connection, { baseBackoffMs: 10, maxRetryAfterMs: 5_000 });

    const started = Date.now();
    const request = client.request({ method: 'GET', path: '/api/v1/namespaces' });

    await expect(request).rejects.toThrow(KubeApiError);
    await expect(request).rejects.toMatchObject({ httpStatus: 429, reason: 'TooManyRequests' });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(server.requests).toHaveLength(1);
  });
});
