import { checkUrlAllowed } from '../../../../shared/source/url-guard.js';
import { lookupFrom, noLookup } from './lookup-stub.js';

describe('checkUrlAllowed exceptions', () => {
  test('an allowed host name passes without DNS, whatever it would resolve to', async () => {
    await expect(
      checkUrlAllowed('http://LocalHost:8080/repo.git', { allowedHosts: ['localhost'], lookup: noLookup }),
    ).resolves.toBeUndefined();
    await expect(
      checkUrlAllowed('http://git.internal./repo.git', { allowedHosts: ['git.internal'], lookup: noLookup }),
    ).resolves.toBeUndefined();
  });

  test('an allowed CIDR lets through addresses inside it (the test bed: 127.0.0.1/32)', async () => {
    const opts = { allowedHosts: ['127.0.0.1/32'], lookup: noLookup };

    await expect(checkUrlAllowed('http://127.0.0.1:40123/repo.git', opts)).resolves.toBeUndefined();
    await expect(checkUrlAllowed('http://127.0.0.2/repo.git', opts)).rejects.toThrow('a loopback address');
  });

  test('an allowed CIDR applies to resolved addresses, and IPv4 CIDRs cover IPv4-mapped addresses', async () => {
    const lookup = lookupFrom({ 'git.corp': ['10.20.0.7', '::ffff:10.20.0.8'] });

    await expect(
      checkUrlAllowed('https://git.corp/x.git', { allowedHosts: ['10.20.0.0/16'], lookup }),
    ).resolves.toBeUndefined();
    await expect(
      checkUrlAllowed('https://git.corp/x.git', { allowedHosts: ['10.21.0.0/16'], lookup }),
    ).rejects.toThrow('a private address');
  });

  test('IPv6 CIDRs and bracketed literals are understood', async () => {
    await expect(
      checkUrlAllowed('http://[fd00:1::5]/x.git', { allowedHosts: ['fd00:1::/32'], lookup: noLookup }),
    ).resolves.toBeUndefined();
    await expect(
      checkUrlAllowed('http://[::1]/x.git', { allowedHosts: ['[::1]'], lookup: noLookup }),
    ).resolves.toBeUndefined();
  });

  test('allowPrivate opens private ranges only: loopback, link-local and metadata stay refused', async () => {
    const lookup = lookupFrom({
      'git.corp': ['10.0.0.5', '172.20.1.1', '192.168.0.10', '100.64.3.3', 'fd12::1'],
      'meta.corp': ['169.254.169.254'],
      'v6meta.corp': ['fd00:ec2::254'],
      'local.corp': ['127.0.0.1'],
    });

    await expect(
      checkUrlAllowed('https://git.corp/x.git', { allowPrivate: true, lookup }),
    ).resolves.toBeUndefined();
    await expect(checkUrlAllowed('https://meta.corp/x', { allowPrivate: true, lookup })).rejects.toThrow(
      'metadata',
    );
    await expect(checkUrlAllowed('https://v6meta.corp/x', { allowPrivate: true, lookup })).rejects.toThrow(
      'metadata',
    );
    await expect(checkUrlAllowed('https://local.corp/x', { allowPrivate: true, lookup })).rejects.toThrow(
      'loopback',
    );
  });

  test('entries that are neither a matching name nor a valid CIDR open nothing', async () => {
    await expect(
      checkUrlAllowed('http://127.0.0.1/x', {
        allowedHosts: ['127.0.0.1/99', 'not a cidr', '127.0.0.0/8/1'],
        lookup: noLookup,
      }),
    ).rejects.toThrow('a loopback address');
  });
});
