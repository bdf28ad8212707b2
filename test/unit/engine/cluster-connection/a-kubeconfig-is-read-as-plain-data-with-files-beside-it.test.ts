import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { connectionFromKubeconfig } from '../../../../shared/engine/cluster-connection.js';
import { parseKubeconfig, readKubeconfig } from '../../../../shared/engine/kubeconfig.js';

describe('readKubeconfig', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gitferry-unit-kubeconfig-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('certificate files named relative to the kubeconfig are read from its directory', async () => {
    writeFileSync(join(dir, 'ca.pem'), 'CA PEM');
    writeFileSync(join(dir, 'client.pem'), 'CLIENT PEM');
    writeFileSync(join(dir, 'client.key'), 'CLIENT KEY');
    const file = join(dir, 'config');
    writeFileSync(
      file,
      dump({
        clusters: [
          {
            name: 'lab',
            cluster: {
              server: 'https://10.0.0.1:6443',
              'certificate-authority': 'ca.pem',
              'tls-server-name': 'api',
            },
          },
        ],
        users: [
          {
            name: 'admin',
            user: { 'client-certificate': 'client.pem', 'client-key': join(dir, 'client.key') },
          },
        ],
        contexts: [{ name: 'lab', context: { cluster: 'lab', user: 'admin' } }],
        'current-context': 'lab',
      }),
    );

    const connection = await connectionFromKubeconfig(readKubeconfig(file));

    expect(connection.tls.ca?.toString()).toBe('CA PEM');
    expect(connection.tls.cert?.toString()).toBe('CLIENT PEM');
    expect(connection.tls.key?.toString()).toBe('CLIENT KEY');
    expect(connection.tls.serverName).toBe('api');
    expect(await connection.authorization()).toBeUndefined();
  });

  test('inline certificate data is decoded and a basic-auth user is sent as Basic', async () => {
    const kc = parseKubeconfig(
      dump({
        clusters: [
          {
            name: 'lab',
            cluster: {
              server: 'https://10.0.0.1:6443',
              'certificate-authority-data': Buffer.from('INLINE CA').toString('base64'),
              'insecure-skip-tls-verify': true,
            },
          },
        ],
        users: [{ name: 'u', user: { username: 'ann', password: 'pw' } }],
        contexts: [{ name: 'lab', context: { cluster: 'lab', user: 'u' } }],
        'current-context': 'lab',
      }),
      'inline',
    );

    const connection = await connectionFromKubeconfig(kc);

    expect(connection.tls.ca?.toString()).toBe('INLINE CA');
    expect(connection.tls.insecureSkipVerify).toBe(true);
    expect(await connection.authorization()).toBe(`Basic ${Buffer.from('ann:pw').toString('base64')}`);
  });

  test.each([
    ['a list', '- 1\n- 2\n'],
    ['clusters that are not a list', 'clusters: yes\n'],
    ['text that is not YAML', 'clusters: [\n'],
  ])('a document that is %s is refused with a KubeConfigError naming it', (_, text) => {
    expect(() => parseKubeconfig(text, '/home/me/.kube/config')).toThrow(
      expect.objectContaining({
        name: 'KubeConfigError',
        code: 'kubeconfig:invalid',
        message: expect.stringMatching(/^kubeconfig \/home\/me\/\.kube\/config: /),
      }),
    );
  });

  test('entries of the wrong shape are left out instead of becoming half-filled clusters', () => {
    const kc = parseKubeconfig(
      dump({
        clusters: [{ name: 'no-server', cluster: {} }, 'text', { name: 7, cluster: { server: 'https://x' } }],
        users: [{ name: 'u', user: { token: ['not', 'a', 'string'] } }],
        contexts: [{ name: 'c', context: { user: 'u' } }],
      }),
      'odd',
    );

    expect(kc.clusters).toEqual([]);
    expect(kc.users).toEqual([expect.objectContaining({ name: 'u', token: undefined })]);
    expect(kc.contexts).toEqual([]);
    expect(kc.currentContext).toBeUndefined();
  });
});
