import { checkUrlAllowed, classifyAddress } from '../../../../shared/source/url-guard.js';
import { noLookup } from './lookup-stub.js';

describe('IPv6 addresses that carry an IPv4 address', () => {
  test.each([
    ['http://[::ffff:127.0.0.1]/repo.git', '::ffff:7f00:1 (127.0.0.1), a loopback address'],
    ['http://[::ffff:7f00:1]/repo.git', '::ffff:7f00:1 (127.0.0.1), a loopback address'],
    ['http://[::ffff:a9fe:a9fe]/', '::ffff:a9fe:a9fe (169.254.169.254), a link-local cloud metadata address'],
    [
      'http://[::ffff:10.0.0.1]/',
      '::ffff:a00:1 (10.0.0.1), a private address (an admin can allow private addresses)',
    ],
    [
      'http://[64:ff9b::a9fe:a9fe]/',
      '64:ff9b::a9fe:a9fe (169.254.169.254), a link-local cloud metadata address',
    ],
    ['http://[2002:7f00:1::]/', '2002:7f00:1:: (127.0.0.1), a loopback address'],
    ['http://[::127.0.0.1]/', '::7f00:1 (127.0.0.1), a loopback address'],
    ['http://[::8.8.8.8]/', '::808:808 (8.8.8.8), a reserved address'],
  ])('%s is refused: its host is %s', async (url, what) => {
    await expect(checkUrlAllowed(url, { lookup: noLookup })).rejects.toThrow(`refused: its host is ${what}`);
  });

  test('a mapped public IPv4 address passes', async () => {
    await expect(
      checkUrlAllowed('http://[::ffff:8.8.8.8]/repo.git', { lookup: noLookup }),
    ).resolves.toBeUndefined();
  });

  test.each([
    ['::ffff:127.0.0.1', { kind: 'loopback', ipv4: '127.0.0.1' }],
    ['fe80::1%eth0', { kind: 'link-local' }],
    ['2606:4700::1111', {}],
    ['8.8.8.8', { ipv4: '8.8.8.8' }],
    ['not-an-address', { kind: 'reserved' }],
    ['1:2:3:4:5:6:7:8', {}],
    ['1::2:3.4.5.6', {}],
  ])('classifyAddress(%s) is %j', (address, expected) => {
    expect(classifyAddress(address)).toEqual(expected);
  });
});
