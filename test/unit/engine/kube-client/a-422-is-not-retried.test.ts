import { KubeApiError } from '../../../../shared/engine/errors.js';
import { KubeClient } from '../../../../shared/engine/kube-client.js';
import {
  configMap,
  generateCertificate,
  kubeStatus,
  startFakeApiServer,
  type Certificate,
  type FakeApiServer,
} from '../fake-api-server.js';

describe('KubeClient and client errors', () => {
  let certificate: Certificate;
  let server: FakeApiServer;
  let client: KubeClient;
  beforeAll(() => (certificate = generateCertificate()));
  afterEach(async () => {
    client.close();
    await server.close();
  });

  test('a 422 Invalid answer is returned as a KubeApiError after one request, without retrying', async () => {
    server = await startFakeApiServer(certificate, [
      kubeStatus(422, 'Invalid', 'ConfigMap "settings" is invalid: metadata.name: Invalid value: "Settings"'),
    ]);
    client = new KubeClient(server.connection, { baseBackoffMs: 10, maxAttempts: 5 });

    const request = client.request({
      method: 'PATCH',
      path: '/api/v1/namespaces/team-a/configmaps/settings',
      query: { fieldManager: 'gitferry' },
      contentType: 'application/apply-patch+yaml',
      body: configMap,
    });

    await expect(request).rejects.toThrow(KubeApiError);
    await expect(request).rejects.toMatchObject({ httpStatus: 422, reason: 'Invalid' });
    expect(server.requests).toHaveLength(1);
  });
});
