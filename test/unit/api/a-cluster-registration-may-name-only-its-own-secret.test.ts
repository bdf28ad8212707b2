import { startApiBed, type ApiBed } from './api-bed.js';

const server = 'https://127.0.0.1:6443';
const clusters = { server: { guard: { allowedHosts: ['127.0.0.1/32'] } } };

describe('a cluster registration may name only its own secret', () => {
  let api: ApiBed;
  beforeEach(() => {
    api = startApiBed({ clusters });
  });
  afterEach(() => api.close());

  test.each([
    ['another cluster’s token', 'clusters/prod/token'],
    ['the GitHub webhook secret', 'webhooks/github'],
    ['the GitLab webhook secret', 'webhooks/gitlab'],
    ['repo credentials', 'repos/github-org'],
    ['a path out of the prefix', 'clusters/evil/../prod/token'],
    ['a name that only starts like its own', 'clusters/evil/token/../../prod/token'],
    [
      'an AWS secret ARN',
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:gitferry/clusters/prod/token',
    ],
    ['a non-string', { name: 'clusters/prod/token' }],
  ])(
    'naming %s is refused with 400 naming tokenSecret, and nothing is stored',
    async (_what, tokenSecret) => {
      const res = await api.call('POST', '/api/v1/clusters', { name: 'evil', server, tokenSecret });

      expect(res.status).toBe(400);
      expect(res.body.field).toBe('tokenSecret');
      expect(res.body.detail).toContain('Cluster/evil: tokenSecret');
      expect(res.body.detail).toContain('its own secret clusters/evil/token');
      expect(await api.store.listClusters()).toEqual([]);
      expect(api.written.size).toBe(0);
    },
  );

  test('a token and a foreign tokenSecret together are refused before the token is written', async () => {
    const res = await api.call('POST', '/api/v1/clusters', {
      name: 'evil',
      server,
      token: 'attacker',
      tokenSecret: 'clusters/prod/token',
    });

    expect(res.status).toBe(400);
    expect(res.body.field).toBe('tokenSecret');
    expect(api.written.size).toBe(0);
  });

  test('a given token is written to the cluster’s own secret, which the record names', async () => {
    const res = await api.call('POST', '/api/v1/clusters', { name: 'prod', server, token: 'eyJhbGciOi' });

    expect(res.status).toBe(201);
    expect(res.body.tokenSecret).toBe('clusters/prod/token');
    expect(api.written).toEqual(new Map([['clusters/prod/token', 'eyJhbGciOi']]));
    expect(await api.store.getCluster('prod')).toMatchObject({ server, tokenSecret: 'clusters/prod/token' });
  });

  test('the own secret may be named when it is stored out of band (AWS)', async () => {
    const aws = startApiBed({
      writeSecret: undefined,
      clusters: { ...clusters, secretPrefix: 'gitferry/clusters/' },
    });
    try {
      const own = await aws.call('POST', '/api/v1/clusters', {
        name: 'prod',
        server,
        tokenSecret: 'gitferry/clusters/prod/token',
      });
      const foreign = await aws.call('POST', '/api/v1/clusters', {
        name: 'evil',
        server,
        tokenSecret: 'gitferry/repos/github',
      });
      const token = await aws.call('POST', '/api/v1/clusters', { name: 'evil', server, token: 't' });

      expect(own.status).toBe(201);
      expect(foreign).toMatchObject({ status: 400, body: { field: 'tokenSecret' } });
      expect(token.status).toBe(400);
      expect(token.body.detail).toContain('store it as the secret gitferry/clusters/evil/token');
    } finally {
      aws.close();
    }
  });

  test('where registrations write tokens, naming even its own secret without a token is refused', async () => {
    // A secret it did not write: one left by a deleted cluster, or GITFERRY_SECRET_CLUSTERS_PROD_EU_TOKEN
    // meant for prod-eu, which prod.eu's name maps to as well.
    const res = await api.call('POST', '/api/v1/clusters', {
      name: 'prod.eu',
      server,
      tokenSecret: 'clusters/prod.eu/token',
    });

    expect(res).toMatchObject({ status: 400, body: { field: 'token' } });
    expect(await api.store.listClusters()).toEqual([]);
  });

  test('without a token, a registered cluster cannot be re-pointed at another server (AWS)', async () => {
    const aws = startApiBed({ writeSecret: undefined, clusters });
    const tokenSecret = 'clusters/prod/token';
    try {
      expect((await aws.call('POST', '/api/v1/clusters', { name: 'prod', server, tokenSecret })).status).toBe(
        201,
      );

      const moved = await aws.call('POST', '/api/v1/clusters', {
        name: 'prod',
        server: 'https://127.0.0.1:9443',
        tokenSecret,
      });
      const again = await aws.call('POST', '/api/v1/clusters', { name: 'prod', server, tokenSecret });

      expect(moved).toMatchObject({ status: 400, body: { field: 'server' } });
      expect(await aws.store.getCluster('prod')).toMatchObject({ server });
      expect(again.status).toBe(201);
    } finally {
      aws.close();
    }
  });

  test.each([
    ['a newline (header injection)', 'abc\r\nX-Injected: 1'],
    ['an empty string', ''],
    ['a number', 42],
  ])('a token that is %s is refused naming token', async (_what, token) => {
    const res = await api.call('POST', '/api/v1/clusters', { name: 'prod', server, token });

    expect(res).toMatchObject({ status: 400, body: { field: 'token' } });
    expect(api.written.size).toBe(0);
  });

  test.each([
    ['a slash', 'a/b'],
    ['dot segments', '..'],
    ['upper case', 'Prod'],
    ['a non-string', ['prod']],
  ])('a cluster name with %s is refused naming name', async (_what, name) => {
    const res = await api.call('POST', '/api/v1/clusters', { name, server, token: 't' });

    expect(res).toMatchObject({ status: 400, body: { field: 'name' } });
    expect(api.written.size).toBe(0);
  });
});
