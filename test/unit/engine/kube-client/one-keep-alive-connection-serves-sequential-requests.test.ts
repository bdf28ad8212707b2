import { KubeClient } from '../../../../shared/engine/kube-client.js';
import {
  configMap,
  generateCertificate,
  json,
  startFakeApiServer,
  type Certificate,
  type FakeApiServer,
} from '../fake-api-server.js';

describe('KubeClient connections', () => {
  let certificate: Certificate;
  let server: FakeApiServer;
  let client: KubeClient;
  beforeAll(() => (certificate = generateCertificate()));
  afterEach(async () => {
    client.close();
    await server.close();
  });

  test('five sequential requests share one keep-alive connection', async () => {
    server = await startFakeApiServer(certificate, [json(200, configMap)]);
    client = new KubeClient(server.connection);

    for (let i = 0; i < 5; i++) {
      await client.request({ method: 'GET', path: '/api/v1/namespaces/team-a/configmaps/settings' });
    }

    expect(server.requests).toHaveLength(5);
    expect(server.connections()).toBe(1);
    expect(server.requests.every((r) => r.headers.connection === 'keep-alive')).toBe(true);
  });
});
