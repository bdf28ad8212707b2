import { TokenClusterConnector } from '../../../../shared/adapters/cluster/token-cluster-connector.js';
import type { Cluster } from '../../../../shared/domain/app.js';
import { KubeClient } from '../../../../shared/engine/kube-client.js';
import type { ResolvedAddress } from '../../../../shared/source/url-guard.js';
import {
  configMap,
  generateCertificate,
  json,
  startFakeApiServer,
  type Certificate,
  type FakeApiServer,
} from '../../engine/fake-api-server.js';

type KubeconfigCluster = Extract<Cluster, { type: 'kubeconfig' }>;

/** A secret store that records every name read: a refused record must read none. */
function recordingSecrets() {
  const read: string[] = [];
  return { read, store: { get: async (name: string) => (read.push(name), `token-of-${name}`) } };
}

describe('a stored cluster gets only its own token and a vetted server, whatever wrote the record', () => {
  test.each([
    ['the webhook secret', 'webhooks/github'],
    ['another cluster’s token', 'clusters/prod/token'],
    ['repo credentials', 'repos/org'],
  ])('a record naming %s is refused before any secret is read', async (_what, tokenSecret) => {
    const secrets = recordingSecrets();
    const connector = new TokenClusterConnector(secrets.store, {
      server: { guard: { allowedHosts: ['127.0.0.1/32'] } },
    });
    const cluster: KubeconfigCluster = {
      name: 'evil',
      type: 'kubeconfig',
      server: 'https://127.0.0.1:6443',
      tokenSecret,
    };

    await expect(connector.connect(cluster)).rejects.toMatchObject({
      code: 'cluster:foreign-secret',
      field: 'tokenSecret',
    });
    expect(secrets.read).toEqual([]);
  });

  test('a record pointing at the metadata address is refused before any secret is read', async () => {
    const secrets = recordingSecrets();
    const connector = new TokenClusterConnector(secrets.store);
    const cluster: KubeconfigCluster = {
      name: 'evil',
      type: 'kubeconfig',
      server: 'https://169.254.169.254',
      tokenSecret: 'clusters/evil/token',
    };

    await expect(connector.connect(cluster)).rejects.toMatchObject({
      code: 'cluster:server-refused',
      field: 'server',
    });
    expect(secrets.read).toEqual([]);
  });

  test('a prefix set by the runtime is the only place tokens are read from', async () => {
    const secrets = recordingSecrets();
    const connector = new TokenClusterConnector(secrets.store, {
      secretPrefix: 'gitferry/clusters/',
      server: { guard: { allowedHosts: ['127.0.0.1/32'] } },
    });
    const base = { name: 'prod', type: 'kubeconfig' as const, server: 'https://127.0.0.1:6443' };

    await expect(connector.connect({ ...base, tokenSecret: 'clusters/prod/token' })).rejects.toThrow(
      'its own secret gitferry/clusters/prod/token',
    );
    const connection = await connector.connect({ ...base, tokenSecret: 'gitferry/clusters/prod/token' });
    expect(await connection.authorization()).toBe('Bearer token-of-gitferry/clusters/prod/token');
  });

  describe('DNS rebinding', () => {
    let certificate: Certificate;
    let server: FakeApiServer;
    beforeAll(() => (certificate = generateCertificate()));
    afterEach(async () => server.close());

    test('requests go to the address vetted at connect time, not to a later DNS answer', async () => {
      server = await startFakeApiServer(certificate, [json(200, configMap)]);
      const port = new URL(server.connection.server).port;
      const calls: string[] = [];
      // First answer: the allowed address; every later one: the metadata address.
      const lookup = async (host: string): Promise<ResolvedAddress[]> => {
        calls.push(host);
        return [{ address: calls.length === 1 ? '127.0.0.1' : '169.254.169.254', family: 4 }];
      };
      const connector = new TokenClusterConnector(recordingSecrets().store, {
        server: { guard: { allowedHosts: ['127.0.0.1/32'], lookup } },
      });
      const connection = await connector.connect({
        name: 'prod',
        type: 'kubeconfig',
        server: `https://k8s.rebind.test:${port}`,
        tokenSecret: 'clusters/prod/token',
        // The test certificate names 127.0.0.1 only; the check under test is where the socket goes.
        insecureSkipVerify: true,
      });
      const client = new KubeClient(connection);
      try {
        await client.request({ method: 'GET', path: '/api/v1/namespaces/a/configmaps/b' });
        await client.request({ method: 'GET', path: '/api/v1/namespaces/a/configmaps/b' });
      } finally {
        client.close();
      }

      expect(server.requests.map((r) => r.headers.host)).toEqual([
        `k8s.rebind.test:${port}`,
        `k8s.rebind.test:${port}`,
      ]);
      expect(server.requests[0]!.headers.authorization).toBe('Bearer token-of-clusters/prod/token');
      expect(calls).toEqual(['k8s.rebind.test']);
    });
  });
});
