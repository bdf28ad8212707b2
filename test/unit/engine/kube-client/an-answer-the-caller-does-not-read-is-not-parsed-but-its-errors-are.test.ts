import { KubeClient } from '../../../../shared/engine/kube-client.js';
import { KubeApiError } from '../../../../shared/engine/errors.js';
import {
  generateCertificate,
  json,
  kubeStatus,
  startFakeApiServer,
  type Certificate,
  type FakeApiServer,
} from '../fake-api-server.js';

describe('KubeClient discardBody', () => {
  let certificate: Certificate;
  let server: FakeApiServer;
  let client: KubeClient;
  beforeAll(() => (certificate = generateCertificate()));
  afterEach(async () => {
    client.close();
    await server.close();
  });

  test('a successful answer is sent and acknowledged but its body is not parsed', async () => {
    server = await startFakeApiServer(certificate, [
      json(201, { kind: 'ConfigMap', metadata: { name: 'a' } }),
    ]);
    client = new KubeClient(server.connection);

    const res = await client.request({
      method: 'PATCH',
      path: '/api/v1/namespaces/n/configmaps/a',
      body: { a: 1 },
      discardBody: true,
    });

    expect(res.status).toBe(201);
    expect(res.body).toBeUndefined();
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ a: 1 });
  });

  test('a refusal still throws the API status, parsed, so the caller learns why', async () => {
    server = await startFakeApiServer(certificate, [
      kubeStatus(422, 'Invalid', 'ConfigMap "a" is invalid: data: Invalid value'),
    ]);
    client = new KubeClient(server.connection);

    const request = client.request({
      method: 'PATCH',
      path: '/api/v1/namespaces/n/configmaps/a',
      body: {},
      discardBody: true,
    });

    await expect(request).rejects.toBeInstanceOf(KubeApiError);
    await expect(request).rejects.toMatchObject({ httpStatus: 422, reason: 'Invalid' });
  });
});
