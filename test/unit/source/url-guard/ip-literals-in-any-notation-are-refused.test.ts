import { checkUrlAllowed } from '../../../../shared/source/url-guard.js';
import { rejectionOf } from '../temp-tree.js';
import { noLookup } from './lookup-stub.js';

describe('checkUrlAllowed judges IP literals as the URL parser normalises them, without DNS', () => {
  test.each([
    ['http://127.0.0.1/repo.git', '127.0.0.1, a loopback address'],
    ['http://2130706433/repo.git', '127.0.0.1, a loopback address'],
    ['http://0x7f.1/repo.git', '127.0.0.1, a loopback address'],
    ['http://0177.0.0.1/repo.git', '127.0.0.1, a loopback address'],
    ['http://127.1/repo.git', '127.0.0.1, a loopback address'],
    ['http://%31%32%37.0.0.1/repo.git', '127.0.0.1, a loopback address'],
    ['http://0/repo.git', '0.0.0.0, an unspecified address'],
    ['http://169.254.169.254/latest/meta-data/', '169.254.169.254, a link-local cloud metadata address'],
    ['http://0xa9fea9fe/latest/meta-data/', '169.254.169.254, a link-local cloud metadata address'],
    ['http://[::1]/repo.git', '::1, a loopback address'],
    ['http://[::]/repo.git', '::, an unspecified address'],
    ['http://[fe80::1]/repo.git', 'fe80::1, a link-local address'],
  ])('%s is refused: its host is %s', async (url, what) => {
    const err = await rejectionOf(checkUrlAllowed(url, { lookup: noLookup }));

    expect(err.code).toBe('source:url-refused');
    expect(err.message).toBe(`URL ${url} refused: its host is ${what}`);
  });

  test('a public IP literal passes without DNS', async () => {
    await expect(
      checkUrlAllowed('https://140.82.121.4/org/repo.git', { lookup: noLookup }),
    ).resolves.toBeUndefined();
    await expect(
      checkUrlAllowed('https://[2606:4700::1111]/repo.git', { lookup: noLookup }),
    ).resolves.toBeUndefined();
  });
});
