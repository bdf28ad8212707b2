// An API server whose etcd is down holds requests without answering. A worker runs its lease's
// work under a deadline (withRequestDeadline): a request held past it is given up, and no retry
// starts after it, whatever the per-request timeout and the attempts left.
import { KubeRequestError } from '../../../../shared/engine/errors.js';
import { KubeClient, withRequestDeadline } from '../../../../shared/engine/kube-client.js';
import {
  configMap,
  generateCertificate,
  json,
  startFakeApiServer,
  type Certificate,
  type FakeApiServer,
} from '../fake-api-server.js';

describe('KubeClient under an ambient deadline', () => {
  let certificate: Certificate;
  let server: FakeApiServer;
  let client: KubeClient;
  beforeAll(() => (certificate = generateCertificate()));
  afterEach(async () => {
    client.close();
    await server.close();
  });

  /** Never answers (the connection is closed with the server). */
  const holds = () => () => {};

  test('a request the server holds is given up at the deadline, not at the request timeout', async () => {
    server = await startFakeApiServer(certificate, [holds()]);
    client = new KubeClient(server.connection, { requestTimeoutMs: 60_000, maxAttempts: 6 });

    const err = await withRequestDeadline(Date.now() + 300, () =>
      client.request({ method: 'PATCH', path: '/api/v1/namespaces/a/configmaps/b', body: configMap }),
    ).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(KubeRequestError);
    expect(err).toMatchObject({ code: 'kube:deadline' });
    expect((err as Error).message).toMatch(
      /^PATCH \/api\/v1\/namespaces\/a\/configmaps\/b on cluster fake: deadline passed while retrying \(last failure: no answer within [\d.]+ s\)$/,
    );
    // One attempt: the retry would have started after the deadline.
    expect(server.requests).toHaveLength(1);
  });

  test('a request made after the deadline passed is not sent', async () => {
    server = await startFakeApiServer(certificate, [json(200, configMap)]);
    client = new KubeClient(server.connection);

    const err = await withRequestDeadline(Date.now() - 1, () =>
      client.request({ method: 'GET', path: '/api/v1/namespaces/a/configmaps/b' }),
    ).catch((e: unknown) => e);

    expect(err).toMatchObject({ code: 'kube:deadline' });
    expect(server.requests).toHaveLength(0);
  });

  test('the earlier of the request’s own deadline and the ambient one holds', async () => {
    server = await startFakeApiServer(certificate, [holds()]);
    client = new KubeClient(server.connection, { requestTimeoutMs: 60_000 });

    const started = Date.now();
    const err = await withRequestDeadline(started + 60_000, () =>
      client.request({ method: 'GET', path: '/api/v1/namespaces', deadline: started + 300 }),
    ).catch((e: unknown) => e);

    expect(err).toMatchObject({ code: 'kube:deadline' });
    expect(server.requests).toHaveLength(1);
  });

  test('requests outside the deadline’s function are not bounded by it', async () => {
    server = await startFakeApiServer(certificate, [json(200, configMap)]);
    client = new KubeClient(server.connection);

    await withRequestDeadline(Date.now() - 1, async () => {});
    const res = await client.request({ method: 'GET', path: '/api/v1/namespaces/a/configmaps/b' });

    expect(res.status).toBe(200);
  });
});
