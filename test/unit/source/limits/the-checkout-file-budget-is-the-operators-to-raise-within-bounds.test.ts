// The checkout's file budget (maxFiles) is an operator's setting: `gitferry serve --repo-max-files`,
// GITFERRY_REPO_MAX_FILES, the construct's repoMaxFiles. It is read from a command line or the
// environment, so every form of bad value is refused, naming where it came from; nothing else of
// the limits moves with it.
import {
  defaultSourceLimits,
  repoMaxFilesHint,
  repoMaxFilesRange,
  sourceLimitsWith,
} from '../../../../shared/source/types.js';

describe('the checkout file budget', () => {
  test('unset, the defaults hold', () => {
    expect(sourceLimitsWith('GITFERRY_REPO_MAX_FILES', undefined)).toBe(defaultSourceLimits);
    expect(sourceLimitsWith('GITFERRY_REPO_MAX_FILES', '')).toBe(defaultSourceLimits);
  });

  test('set, only maxFiles moves: bytes, documents and time keep their limits', () => {
    expect(sourceLimitsWith('--repo-max-files', '150000')).toEqual({
      ...defaultSourceLimits,
      maxFiles: 150_000,
    });
    expect(sourceLimitsWith('--repo-max-files', ' 1000 ').maxFiles).toBe(repoMaxFilesRange.min);
    expect(sourceLimitsWith('repoMaxFiles', repoMaxFilesRange.max).maxFiles).toBe(1_000_000);
  });

  test.each([
    ['negative', '-1'],
    ['zero', '0'],
    ['below the floor', '999'],
    ['above the ceiling', '1000001'],
    ['a float', '20000.5'],
    ['an exponent', '1e6'],
    ['hex', '0x10000'],
    ['words', 'unlimited'],
    ['an option', '--help'],
    ['400 digits', '9'.repeat(400)],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
  ])('%s is refused, naming the setting and the range', (_, value) => {
    expect(() => sourceLimitsWith('GITFERRY_REPO_MAX_FILES', value)).toThrow(
      /^GITFERRY_REPO_MAX_FILES must be a whole number of files from 1000 to 1000000, got /,
    );
  });

  test('what a refused checkout says names the setting to raise', () => {
    expect(repoMaxFilesHint).toMatch(/--repo-max-files/);
    expect(repoMaxFilesHint).toMatch(/GITFERRY_REPO_MAX_FILES/);
  });
});
