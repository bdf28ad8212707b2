import { SourceError } from '../../../../shared/source/errors.js';
import { checkUrlAllowed } from '../../../../shared/source/url-guard.js';
import { rejectionOf } from '../temp-tree.js';
import { lookupFrom, noLookup } from './lookup-stub.js';

describe('checkUrlAllowed schemes', () => {
  test.each([
    ['file:///etc/passwd', 'the file scheme is not allowed (only http and https)'],
    ['ext::sh -c id', 'the ext scheme is not allowed (only http and https)'],
    ['ssh://git@github.com/org/repo.git', 'the ssh scheme is not allowed (only http and https)'],
    ['git://github.com/org/repo.git', 'the git scheme is not allowed (only http and https)'],
    ['oci://registry.example.com/charts', 'the oci scheme is not allowed (only http and https)'],
    ['ftp://example.com/repo', 'the ftp scheme is not allowed (only http and https)'],
  ])('%s is refused: %s', async (url, why) => {
    const err = await rejectionOf(checkUrlAllowed(url, { lookup: noLookup }));

    expect(err).toBeInstanceOf(SourceError);
    expect(err.code).toBe('source:url-refused');
    expect(err.message).toBe(`URL ${url.replace('git@', '')} refused: ${why}`);
  });

  test.each(['git@github.com:org/repo.git', '--upload-pack=touch /tmp/pwned', '', 'https://'])(
    '%j is not a valid URL and is refused',
    async (url) => {
      const err = await rejectionOf(checkUrlAllowed(url, { lookup: noLookup }));

      expect(err.code).toBe('source:url-refused');
      expect(err.message).toMatch(
        /refused: not a valid URL \(only http:\/\/ and https:\/\/ URLs are allowed\)$/,
      );
    },
  );

  test('a host name starting with "-" is refused (it would read as an option to a tool)', async () => {
    const err = await rejectionOf(
      checkUrlAllowed('https://-oProxyCommand=id/repo.git', { lookup: noLookup }),
    );

    expect(err.message).toMatch(/refused: the host name starts with "-"$/);
  });

  test('https and http URLs to public hosts pass', async () => {
    const lookup = lookupFrom({
      'github.com': ['140.82.121.4'],
      'gitlab.example.com': ['2606:4700::6810:84e5'],
    });

    await expect(checkUrlAllowed('https://github.com/org/repo.git', { lookup })).resolves.toBeUndefined();
    await expect(
      checkUrlAllowed('HTTP://GitLab.Example.com:8080/org/repo.git', { lookup }),
    ).resolves.toBeUndefined();
  });

  test('the subject of the message can be named', async () => {
    await expect(
      checkUrlAllowed('file:///x', { what: 'chart repository URL', lookup: noLookup }),
    ).rejects.toThrow(/^chart repository URL file:\/\/\/x refused: /);
  });
});
