import { compileGlob, GlobError, globMatches } from '../../../shared/domain/glob.js';

describe('AppProject globs', () => {
  test.each([
    ['*', 'anything/at/all', undefined, true],
    ['*', '', undefined, true],
    ['', '', undefined, true],
    ['', 'x', undefined, false],
    ['prod-*', 'prod-eu', undefined, true],
    ['prod-?', 'prod-eu', undefined, false],
    ['team-[0-9]', 'team-7', undefined, true],
    ['team-[!0-9]', 'team-7', undefined, false],
    ['{prod,staging}-eu', 'staging-eu', undefined, true],
    ['{prod,{qa,dev}}-eu', 'dev-eu', undefined, true],
    ['a\\*b', 'a*b', undefined, true],
    ['a\\*b', 'axb', undefined, false],
    ['https://github.com/acme/*', 'https://github.com/acme/shop', '/', true],
    ['https://github.com/acme/*', 'https://github.com/acme/shop/sub', '/', false],
    ['https://github.com/acme/**', 'https://github.com/acme/shop/sub', '/', true],
    ['https://github.com/acme/?hop', 'https://github.com/acme//hop', '/', false],
    ['https://github.com/*', 'https://github.com.evil.net/x', '/', false],
  ])('%j against %j (separator %j) is %s', (pattern, value, separator, expected) => {
    expect(globMatches(pattern, value, separator)).toBe(expected);
  });

  test.each(['[abc', 'a]', '{a,b', 'a}', '[]', 'trailing\\', '[z-a]', 'x'.repeat(1025)])(
    '%j is refused as invalid',
    (pattern) => {
      expect(() => compileGlob(pattern)).toThrow(GlobError);
    },
  );

  test('a pattern built to backtrack matches a long value quickly', () => {
    const started = Date.now();
    expect(globMatches(`${'*a'.repeat(40)}*b`, 'a'.repeat(2048))).toBe(false);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
