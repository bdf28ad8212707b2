import { KubeApiError } from '../../../../shared/engine/errors.js';
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

describe('KubeClient on a 401', () => {
  let certificate: Certificate;
  let server: FakeApiServer;
  let client: KubeClient;
  beforeAll(() => (certificate = generateCertificate()));
  afterEach(async () => {
    client.close();
    await server.close();
  });

  /** A token source that hands out `old` until asked for fresh credentials, then `new`. */
  function rotated() {
    const asked: ({ fresh?: boolean } | undefined)[] = [];
    let current = 'Bearer old';
    return {
      asked,
      authorization: async (opts?: { fresh?: boolean }) => {
        asked.push(opts);
        if (opts?.fresh) current = 'Bearer new';
        return current;
      },
    };
  }

  test('the credentials are fetched again once and the request is sent again with them', async () => {
    const tokens = rotated();
    server = await startFakeApiServer(certificate, [
      kubeStatus(401, 'Unauthorized', 'Unauthorized'),
      json(200, configMap),
    ]);
    client = new KubeClient({ ...server.connection, authorization: tokens.authorization });

    const res = await client.request({
      method: 'GET',
      path: '/api/v1/namespaces/team-a/configmaps/settings',
    });

    expect(res.status).toBe(200);
    expect(server.requests.map((r) => r.headers.authorization)).toEqual(['Bearer old', 'Bearer new']);
    expect(tokens.asked.filter((o) => o?.fresh)).toHaveLength(1);
  });

  test('a POST refused with 401 is sent again too (the server carried nothing out)', async () => {
    const tokens = rotated();
    server = await startFakeApiServer(certificate, [
      kubeStatus(401, 'Unauthorized', 'Unauthorized'),
      json(201, configMap),
    ]);
    client = new KubeClient({ ...server.connection, authorization: tokens.authorization });

    const res = await client.request({
      method: 'POST',
      path: '/api/v1/namespaces/team-a/configmaps',
      body: configMap,
    });

    expect(res.status).toBe(201);
    expect(server.requests.map((r) => [r.method, r.headers.authorization])).toEqual([
      ['POST', 'Bearer old'],
      ['POST', 'Bearer new'],
    ]);
  });

  test('refused again with the fresh credentials, the error names the cluster and is not retried further', async () => {
    const tokens = rotated();
    server = await startFakeApiServer(certificate, [kubeStatus(401, 'Unauthorized', 'Unauthorized')]);
    client = new KubeClient(
      { ...server.connection, name: 'prod-eu', authorization: tokens.authorization },
      { baseBackoffMs: 1 },
    );

    const err = await client
      .request({ method: 'PATCH', path: '/api/v1/namespaces/team-a/configmaps/settings', body: configMap })
      .catch((e: unknown) => e);

    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).httpStatus).toBe(401);
    expect((err as Error).message).toMatch(
      /^cluster prod-eu refused the credentials \(401 Unauthorized\) also after they were fetched again/,
    );
    expect((err as Error).message).toContain('PATCH /api/v1/namespaces/team-a/configmaps/settings');
    // What an apply failure shows (the Status's message) names the cluster too.
    expect((err as KubeApiError).status.message).toMatch(/^cluster prod-eu refused the credentials/);
    expect(server.requests).toHaveLength(2);
  });

  test('requests refused together share one renewal', async () => {
    const tokens = rotated();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    server = await startFakeApiServer(certificate, [
      (req, res, raw) =>
        req.headers.authorization === 'Bearer old'
          ? kubeStatus(401, 'Unauthorized', 'Unauthorized')(req, res, raw)
          : json(200, configMap)(req, res, raw),
    ]);
    // The renewal is held until all three requests have been refused.
    const slowFresh = async (opts?: { fresh?: boolean }) => {
      if (opts?.fresh) await gate;
      return tokens.authorization(opts);
    };
    client = new KubeClient({ ...server.connection, authorization: slowFresh });

    const all = Promise.all(
      [1, 2, 3].map(() =>
        client.request({ method: 'GET', path: '/api/v1/namespaces/team-a/configmaps/settings' }),
      ),
    );
    while (server.requests.length < 3) await new Promise((r) => setTimeout(r, 5));
    release();
    expect((await all).map((r) => r.status)).toEqual([200, 200, 200]);
    expect(tokens.asked.filter((o) => o?.fresh)).toHaveLength(1);
  });
});
