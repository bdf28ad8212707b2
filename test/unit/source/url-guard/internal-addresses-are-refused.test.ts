import { checkUrlAllowed } from '../../../../shared/source/url-guard.js';
import { rejectionOf } from '../temp-tree.js';
import { lookupFrom } from './lookup-stub.js';

describe('checkUrlAllowed refuses hosts that resolve to internal addresses', () => {
  test.each([
    ['127.0.0.1', 'a loopback address'],
    ['127.255.0.9', 'a loopback address'],
    ['::1', 'a loopback address'],
    ['169.254.169.254', 'a link-local cloud metadata address'],
    ['169.254.170.2', 'a link-local cloud metadata address'],
    ['169.254.1.1', 'a link-local address'],
    ['fe80::1', 'a link-local address'],
    ['fd00:ec2::254', 'a link-local cloud metadata address'],
    ['10.1.2.3', 'a private address (an admin can allow private addresses)'],
    ['172.16.0.1', 'a private address (an admin can allow private addresses)'],
    ['172.31.255.255', 'a private address (an admin can allow private addresses)'],
    ['192.168.1.1', 'a private address (an admin can allow private addresses)'],
    ['100.64.0.1', 'a private address (an admin can allow private addresses)'],
    ['fc00::1', 'a private address (an admin can allow private addresses)'],
    ['fd12:3456::1', 'a private address (an admin can allow private addresses)'],
    ['0.0.0.0', 'an unspecified address'],
    ['0.1.2.3', 'an unspecified address'],
    ['::', 'an unspecified address'],
    ['224.0.0.1', 'a multicast address'],
    ['ff02::1', 'a multicast address'],
    ['255.255.255.255', 'a reserved address'],
    ['192.0.2.10', 'a reserved address'],
  ])('a host resolving to %s is refused as %s', async (address, words) => {
    const lookup = lookupFrom({ 'repo.example.com': [address] });

    const err = await rejectionOf(checkUrlAllowed('https://repo.example.com/org/app.git', { lookup }));

    expect(err.code).toBe('source:url-refused');
    expect(err.message).toBe(
      `URL https://repo.example.com/org/app.git refused: its host repo.example.com resolves to ${address}, ${words}`,
    );
  });

  test('every resolved address must pass, not only the first', async () => {
    const lookup = lookupFrom({ 'rebind.example.com': ['93.184.215.14', '127.0.0.1'] });

    await expect(checkUrlAllowed('https://rebind.example.com/x.git', { lookup })).rejects.toThrow(
      'resolves to 127.0.0.1, a loopback address',
    );
  });

  test('the real resolver is used by default: localhost is refused as loopback', async () => {
    await expect(checkUrlAllowed('http://localhost:1/repo.git')).rejects.toThrow(/a loopback address$/);
  });

  test.each(['172.15.255.255', '172.32.0.1', '100.128.0.1', '169.253.0.1', '11.0.0.1', '2606:4700::1111'])(
    'the public neighbour %s of a private range passes',
    async (address) => {
      const lookup = lookupFrom({ 'repo.example.com': [address] });

      await expect(checkUrlAllowed('https://repo.example.com/x.git', { lookup })).resolves.toBeUndefined();
    },
  );
});
