import { canonicalRepoUrl, RepoUrlError } from '../../../../shared/domain/repo-url.js';

function refusal(url: unknown): RepoUrlError {
  try {
    canonicalRepoUrl(url);
  } catch (err) {
    expect(err).toBeInstanceOf(RepoUrlError);
    return err as RepoUrlError;
  }
  throw new Error(`${String(url)} was accepted`);
}

describe('repository URLs that mean one thing to a matcher and another to a fetcher', () => {
  test.each([
    ['https://github.com/good/../evil/x', '"." or ".." path segments'],
    ['https://github.com/good/./x', '"." or ".." path segments'],
    ['https://GITHUB.com//good/./x', '"." or ".." path segments'],
    ['https://github.com/good/..', '"." or ".." path segments'],
    ['https://github.com/good/%2e%2e/evil', 'percent-encodes'],
    ['https://github.com/good/%2E./evil', 'percent-encodes'],
    ['https://github.com/good/.%2e/evil', 'percent-encodes'],
    ['https://github.com/good%2f..%2fevil/x', 'percent-encodes'],
    ['https://github.com/good/%252e%252e/evil', 'percent-encodes'],
    ['https://github.com/%67ood/x', 'percent-encodes'],
    ['https://github.com/good/x%00', 'percent-encodes'],
    ['https://github.com/good/%zz', 'malformed percent-encoding'],
    ['https://user:tok@github.com/good/x', 'user name or password'],
    ['https://git.example.com@evil.net/', 'user name or password'],
    ['https://@github.com/good/x', 'user name or password'],
    ['https://github.com/good/x?ref=1#frag', 'must not have a query'],
    ['https://github.com/good/x?', 'must not have a query'],
    ['https://github.com/good/x#frag', 'must not have a fragment'],
    ['https://github.com\\@evil.net/x', 'backslash'],
    ['https://github.com/good\\..\\evil', 'backslash'],
    ['https://git\nhub.com/good/x', 'whitespace or control characters'],
    ['https://github.com/good/x\t', 'whitespace or control characters'],
    ['https:/github.com/good/x', 'scheme://host/path'],
    ['https:///github.com/good/x', 'scheme://host/path'],
    ['https://-oProxyCommand=id/x', 'starting with "-"'],
    ['https://gith%75b.com/x', 'percent-encode its host'],
    [`https://github.com/${'a'.repeat(2100)}`, 'longer than 2048 characters'],
  ])('%j is refused: %s', (url, why) => {
    const err = refusal(url);
    expect(err.code).toBe('repo-url:invalid');
    expect(err.message).toContain(why);
  });

  test.each([
    ['file:///etc/passwd', 'uses the file scheme'],
    ['ssh://git@github.com/good/x.git', 'uses the ssh scheme'],
    ['git://github.com/good/x.git', 'uses the git scheme'],
    ['ext::sh -c id', 'uses the ext scheme'],
    ['git@github.com:good/x.git', 'is not an http:// or https:// URL'],
    ['--upload-pack=touch /tmp/pwned', 'is not an http:// or https:// URL'],
    ['oci:registry.example.com/charts', 'must be written scheme://host/path'],
    ['oci://deploy:token@registry.example.com/charts', 'must not carry a user name or password'],
    ['oci://registry.example.com/charts/../../admin', 'must not contain "." or ".." path segments'],
  ])('%j is refused: only http(s), and oci:// for charts, is spoken', (url, why) => {
    expect(refusal(url).message).toContain(why);
  });

  test.each([undefined, null, 42, ['https://github.com/a/b'], { href: 'https://github.com/a/b' }, '', '   '])(
    '%j is refused as not a URL string',
    (value) => {
      expect(refusal(value).message).toMatch(/must be a string|must not be empty/);
    },
  );

  test('the message never repeats a user name, password, query or fragment', () => {
    const err = refusal('https://deploy:ghp_s3cr3tT0k3n@github.com/good/x?private_token=abc#t');
    expect(err.message).not.toMatch(/ghp_s3cr3tT0k3n|deploy|private_token|abc/);
    expect(err.message).toBe('repository URL "https://…@github.com/good/x" must not have a query (?…)');
  });
});
