import { KubeClient } from '../../../../shared/engine/kube-client.js';
import {
  configMap,
  generateCertificate,
  json,
  startFakeApiServer,
  type Certificate,
  type FakeApiServer,
} from '../fake-api-server.js';

describe('KubeClient authorization', () => {
  let certificate: Certificate;
  let server: FakeApiServer;
  let client: KubeClient;
  beforeAll(() => (certificate = generateCertificate()));
  afterEach(async () => {
    client.close();
    await server.close();
  });

  test('the connection’s Authorization value is sent as the Authorization header', async () => {
    server = await startFakeApiServer(certificate, [json(200, configMap)]);
    client = new KubeClient(server.connection);

    await client.request({ method: 'GET', path: '/api/v1/namespaces/team-a/configmaps/settings' });

    expect(server.requests[0]!.headers.authorization).toBe('Bearer t');
    expect(server.requests[0]!.headers.accept).toBe('application/json');
    expect(server.requests[0]!.headers['user-agent']).toBe('gitferry');
  });

  test('authorization is asked for before each request, so a refreshed token is used on the next one', async () => {
    let issued = 0;
    server = await startFakeApiServer(
      certificate,
      [json(200, configMap)],
      async () => `Bearer token-${++issued}`,
    );
    client = new KubeClient(server.connection);

    await client.request({ method: 'GET', path: '/api/v1/namespaces/team-a/configmaps/settings' });
    await client.request({ method: 'GET', path: '/api/v1/namespaces/team-a/configmaps/settings' });

    expect(server.requests.map((r) => r.headers.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
  });

  test('no Authorization header is sent when the connection has none (client certificates)', async () => {
    server = await startFakeApiServer(certificate, [json(200, configMap)], async () => undefined);
    client = new KubeClient(server.connection);

    await client.request({ method: 'GET', path: '/api/v1/namespaces/team-a/configmaps/settings' });

    expect(server.requests[0]!.headers).not.toHaveProperty('authorization');
  });
});
