import { KubeClient } from '../../../../shared/engine/kube-client.js';
import {
  configMap,
  generateCertificate,
  json,
  kubeStatus,
  startFakeApiServer,
  type Certificate,
  type FakeApiServer,
} from '../fake-api-server.js';

describe('KubeClient and 503 Service Unavailable', () => {
  let certificate: Certificate;
  let server: FakeApiServer;
  let client: KubeClient;
  beforeAll(() => (certificate = generateCertificate()));
  afterEach(async () => {
    client.close();
    await server.close();
  });

  test('two 503 answers are retried with backoff and the third answer is returned', async () => {
    const unavailable = kubeStatus(
      503,
      'ServiceUnavailable',
      'the server is currently unable to handle the request',
    );
    server = await startFakeApiServer(certificate, [unavailable, unavailable, json(200, configMap)]);
    client = new KubeClient(server.connection, { baseBackoffMs: 10 });

    const res = await client.request({
      method: 'GET',
      path: '/api/v1/namespaces/team-a/configmaps/settings',
    });

    expect(res.status).toBe(200);
    expect(res.body).toEqual(configMap);
    expect(server.requests.map((r) => r.url.pathname)).toEqual([
      '/api/v1/namespaces/team-a/configmaps/settings',
      '/api/v1/namespaces/team-a/configmaps/settings',
      '/api/v1/namespaces/team-a/configmaps/settings',
    ]);
  });

  test('a POST answered 503 is retried too, since the server did nothing', async () => {
    server = await startFakeApiServer(certificate, [
      kubeStatus(503, 'ServiceUnavailable', 'the server is currently unable to handle the request'),
      json(201, configMap),
    ]);
    client = new KubeClient(server.connection, { baseBackoffMs: 10 });

    const res = await client.request({
      method: 'POST',
      path: '/api/v1/namespaces/team-a/configmaps',
      body: configMap,
    });

    expect(res.status).toBe(201);
    expect(server.requests).toHaveLength(2);
    expect(server.requests.map((r) => JSON.parse(r.body))).toEqual([configMap, configMap]);
  });
});
