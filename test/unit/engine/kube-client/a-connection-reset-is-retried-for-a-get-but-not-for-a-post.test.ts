import { KubeApiError } from '../../../../shared/engine/errors.js';
import { KubeClient } from '../../../../shared/engine/kube-client.js';
import {
  configMap,
  generateCertificate,
  json,
  resetConnection,
  startFakeApiServer,
  type Certificate,
  type FakeApiServer,
} from '../fake-api-server.js';

describe('KubeClient and connection resets', () => {
  let certificate: Certificate;
  let server: FakeApiServer;
  let client: KubeClient;
  beforeAll(() => (certificate = generateCertificate()));
  afterEach(async () => {
    client.close();
    await server.close();
  });

  test('a GET whose connection is reset is sent again on a new connection and succeeds', async () => {
    server = await startFakeApiServer(certificate, [resetConnection(), json(200, configMap)]);
    client = new KubeClient(server.connection, { baseBackoffMs: 10 });

    const res = await client.request({
      method: 'GET',
      path: '/api/v1/namespaces/team-a/configmaps/settings',
    });

    expect(res.body).toEqual(configMap);
    expect(server.requests).toHaveLength(2);
    expect(server.connections()).toBe(2);
  });

  test('a POST whose connection is reset is not sent again, since the server may have created the object', async () => {
    server = await startFakeApiServer(certificate, [resetConnection(), json(201, configMap)]);
    client = new KubeClient(server.connection, { baseBackoffMs: 10 });

    const err = await client
      .request({ method: 'POST', path: '/api/v1/namespaces/team-a/configmaps', body: configMap })
      .then(
        () => undefined,
        (e: unknown) => e,
      );

    expect(server.requests).toHaveLength(1);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(KubeApiError);
    expect((err as Error).message).toMatch(
      /^POST \/api\/v1\/namespaces\/team-a\/configmaps on cluster fake failed: /,
    );
    expect(((err as Error).cause as NodeJS.ErrnoException).code).toBe('ECONNRESET');
  });
});
