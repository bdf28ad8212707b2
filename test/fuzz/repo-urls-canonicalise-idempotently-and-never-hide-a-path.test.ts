import fc from 'fast-check';
import { canonicalRepoUrl, RepoUrlError } from '../../shared/domain/repo-url.js';
import { fuzzRuns } from '../support/fuzz.js';

// URL-shaped strings built from the pieces attackers combine (mostly plausible, so that many are
// accepted and the accepted ones get checked), plus arbitrary strings and values.
const often = <T>(usual: fc.Arbitrary<T>, rare: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: usual, weight: 4 }, { arbitrary: rare, weight: 1 });
const segment = often(
  fc.constantFrom('good', 'Org', 'x.git', 'a%20b', '%C3%A9', 'é', 'a@b', ';', ':', '~user', '_git'),
  fc.oneof(
    fc.constantFrom('..', '.', '%2e%2e', '%2E', '.%2e', '%2f', '%5c', '%25', '%41', '', '%c3', '%zz'),
    fc.string({ maxLength: 6 }),
  ),
);
const urlLike = fc
  .record({
    scheme: often(
      fc.constantFrom('http', 'https', 'HTTPS'),
      fc.constantFrom('file', 'ssh', 'git', 'ext:', ''),
    ),
    sep: often(fc.constant('://'), fc.constantFrom(':/', ':///', ':', '//')),
    userinfo: often(
      fc.constant(''),
      fc.constantFrom('user@', 'user:tok@', 'git.example.com@', '@', 'a:b:c@'),
    ),
    host: often(
      fc.constantFrom(
        'github.com',
        'GITHUB.com',
        'git.example.com.evil.net',
        '127.0.0.1',
        '[::1]',
        'café.com',
        'github.com.',
      ),
      fc.oneof(fc.constantFrom('-x', '0x7f.1', '', '%67ithub.com'), fc.string({ maxLength: 8 })),
    ),
    port: often(fc.constantFrom('', ':443', ':8080'), fc.constantFrom(':', ':x', ':80', ':99999')),
    path: fc.array(segment, { maxLength: 6 }),
    tail: often(
      fc.constantFrom('', '/', '//'),
      fc.constantFrom('?ref=1', '#frag', '?', '#', '\\..', '\t', ' ', '\n'),
    ),
  })
  .map(
    (p) =>
      `${p.scheme}${p.sep}${p.userinfo}${p.host}${p.port}${p.path.map((s) => `/${s}`).join('')}${p.tail}`,
  );
const anyInput = fc.oneof(
  urlLike,
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.string(),
  fc.anything(),
);

/** Runs canonicalRepoUrl; any error but RepoUrlError fails the property. */
function tryCanonical(input: unknown): string | undefined {
  try {
    return canonicalRepoUrl(input);
  } catch (err) {
    if (!(err instanceof RepoUrlError)) throw err;
    return undefined;
  }
}

describe('canonical repository URLs (property)', () => {
  test('never throw anything but RepoUrlError, and canonicalising twice changes nothing', () => {
    fc.assert(
      fc.property(anyInput, (input) => {
        const c = tryCanonical(input);
        if (c !== undefined) expect(canonicalRepoUrl(c)).toBe(c);
      }),
      { numRuns: fuzzRuns(2000) },
    );
  });

  test('an accepted URL has no userinfo, query, fragment or dot segment, and a URL parser reads it as written', () => {
    fc.assert(
      fc.property(anyInput, (input) => {
        const c = tryCanonical(input);
        if (c === undefined) return;
        expect(c).toMatch(/^https?:\/\/[^/@?#\\\s]+(\/[^/?#\\\s]+)*$/);
        const u = new URL(c);
        expect([u.username, u.password, u.search, u.hash]).toEqual(['', '', '', '']);
        const path = c.slice(`${u.protocol}//${u.host}`.length);
        expect(path.split('/').filter((s) => s === '.' || s === '..')).toEqual([]);
        expect(path).not.toMatch(/%2e|%2f|%5c|%25/i);
        // What a matcher compares is exactly what the fetcher will request.
        expect(`${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`).toBe(c);
      }),
      { numRuns: fuzzRuns(2000) },
    );
  });
});
