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

describe('KubeClient and 429 Too Many Requests', () => {
  let certificate: Certificate;
  let server: FakeApiServer;
  let client: KubeClient;
  beforeAll(() => (certificate = generateCertificate()));
  afterEach(async () => {
    client.close();
    await server.close();
  });

  test('a 429 is retried no sooner than its Retry-After of 1 s, and the retry succeeds', async () => {
    server = await startFakeApiServer(certificate, [
      kubeStatus(429, 'TooManyRequests', 'too many requests, please try again later', { 'retry-after': '1' }),
      json(200, configMap),
    ]);
    client = new KubeClient(server.connection, { baseBackoffMs: 10 });

    const res = await client.request({
      method: 'GET',
      path: '/api/v1/namespaces/team-a/configmaps/settings',
    });

    expect(res).toEqual({ status: 200, body: configMap, warnings: [] });
    expect(server.requests).toHaveLength(2);
    const [first, second] = server.requests;
    // Without Retry-After the 10 ms backoff would retry at once; a little slack for timer granularity.
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
  });
});
