import { KubeApiError } from '../../../../shared/engine/errors.js';
import { KubeClient } from '../../../../shared/engine/kube-client.js';
import {
  generateCertificate,
  kubeStatus,
  startFakeApiServer,
  type Certificate,
  type FakeApiServer,
} from '../fake-api-server.js';

describe('KubeClient giving up after maxAttempts', () => {
  let certificate: Certificate;
  let server: FakeApiServer;
  let client: KubeClient;
  beforeAll(() => (certificate = generateCertificate()));
  afterEach(async () => {
    client.close();
    await server.close();
  });

  test('after maxAttempts 503 answers the request fails with a KubeApiError carrying the HTTP status and the Status reason and message', async () => {
    server = await startFakeApiServer(certificate, [
      kubeStatus(503, 'ServiceUnavailable', 'etcdserver: leader changed'),
    ]);
    client = new KubeClient(server.connection, { baseBackoffMs: 10, maxAttempts: 3 });

    const err = await client
      .request({ method: 'GET', path: '/apis/apps/v1/namespaces/team-a/deployments/web' })
      .then(
        () => undefined,
        (e: unknown) => e,
      );

    expect(server.requests).toHaveLength(3);
    expect(err).toBeInstanceOf(KubeApiError);
    const apiError = err as KubeApiError;
    expect(apiError.httpStatus).toBe(503);
    expect(apiError.reason).toBe('ServiceUnavailable');
    expect(apiError.status.message).toBe('etcdserver: leader changed');
    expect(apiError.code).toBe('kube:ServiceUnavailable');
    expect(apiError.message).toBe(
      'GET /apis/apps/v1/namespaces/team-a/deployments/web: etcdserver: leader changed',
    );
  });
});
