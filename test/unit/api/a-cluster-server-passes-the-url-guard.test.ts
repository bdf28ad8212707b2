import type { ResolvedAddress } from '../../../shared/source/url-guard.js';
import { startApiBed, type ApiBed } from './api-bed.js';

const lookup = async (host: string): Promise<ResolvedAddress[]> => {
  const table: Record<string, string> = {
    'metadata.attacker.test': '169.254.169.254',
    'internal.attacker.test': '10.0.0.7',
    'k8s.example.com': '93.184.215.14',
  };
  if (!table[host]) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return [{ address: table[host]!, family: 4 }];
};

describe('a cluster server passes the URL guard', () => {
  let api: ApiBed;
  beforeEach(() => {
    api = startApiBed({ clusters: { server: { guard: { lookup } } } });
  });
  afterEach(() => api.close());

  test.each([
    ['the metadata address', 'https://169.254.169.254/', 'a link-local cloud metadata address'],
    ['the metadata address, IPv4-mapped', 'https://[::ffff:169.254.169.254]/', 'metadata'],
    ['the metadata address in decimal', 'https://2852039166/', 'metadata'],
    ['a name resolving to the metadata address', 'https://metadata.attacker.test/', 'metadata'],
    ['loopback', 'https://127.0.0.1:6443', 'a loopback address'],
    ['a private address', 'https://internal.attacker.test', 'a private address'],
    ['plain http', 'http://k8s.example.com', 'must be an https:// URL'],
    ['a file URL', 'file:///etc/passwd', 'must be an https:// URL'],
    ['userinfo', 'https://user:pw@k8s.example.com', 'credentials belong in the token'],
    ['a non-string', { href: 'https://k8s.example.com' }, 'must be an https:// URL'],
  ])('%s is refused with 400 naming server, and nothing is written', async (_what, server, words) => {
    const res = await api.call('POST', '/api/v1/clusters', { name: 'evil', server, token: 'attacker' });

    expect(res.status).toBe(400);
    expect(res.body.field).toBe('server');
    expect(res.body.detail).toContain('Cluster/evil: server');
    expect(res.body.detail).toContain(words);
    expect(res.body.detail).not.toContain('pw@');
    expect(api.written.size).toBe(0);
    expect(await api.store.listClusters()).toEqual([]);
  });

  test('a public server is registered', async () => {
    const res = await api.call('POST', '/api/v1/clusters', {
      name: 'prod',
      server: 'https://k8s.example.com',
      token: 't',
    });

    expect(res.status).toBe(201);
  });

  test('the admin’s allowedHosts and allowPrivate still apply', async () => {
    const admin = startApiBed({
      clusters: { server: { guard: { lookup, allowedHosts: ['127.0.0.1/32'], allowPrivate: true } } },
    });
    try {
      const local = await admin.call('POST', '/api/v1/clusters', {
        name: 'a',
        server: 'https://127.0.0.1:6443',
        token: 't',
      });
      const priv = await admin.call('POST', '/api/v1/clusters', {
        name: 'b',
        server: 'https://internal.attacker.test',
        token: 't',
      });
      const meta = await admin.call('POST', '/api/v1/clusters', {
        name: 'c',
        server: 'https://169.254.169.254',
        token: 't',
      });

      expect([local.status, priv.status, meta.status]).toEqual([201, 201, 400]);
    } finally {
      admin.close();
    }
  });

  test.each([
    ['region', { region: 'attacker.test#' }],
    ['region', { region: 'eu-west-1.attacker.test' }],
    ['eksClusterName', { eksClusterName: 'prod/../x' }],
    ['roleArn', { roleArn: 'arn:aws:iam::123456789012:user/admin' }],
    ['roleArn', { roleArn: 42 }],
  ])('an EKS registration with a bad %s is refused naming it', async (field, bad) => {
    const res = await api.call('POST', '/api/v1/clusters', {
      name: 'eks',
      eksClusterName: 'prod-eks',
      region: 'eu-west-1',
      ...bad,
    });

    expect(res).toMatchObject({ status: 400, body: { field } });
    expect(await api.store.listClusters()).toEqual([]);
  });

  test('EKS clusters register as before (their endpoint comes from AWS, not the caller)', async () => {
    const res = await api.call('POST', '/api/v1/clusters', {
      name: 'prod-eks',
      eksClusterName: 'prod-eks',
      region: 'us-gov-west-1',
      roleArn: 'arn:aws-us-gov:iam::123456789012:role/gitferry/deployer',
    });

    expect(res.status).toBe(201);
    expect(await api.store.getCluster('prod-eks')).toMatchObject({ type: 'eks', region: 'us-gov-west-1' });
  });
});
