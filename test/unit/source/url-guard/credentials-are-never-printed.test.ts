import { checkUrlAllowed, redactUrl } from '../../../../shared/source/url-guard.js';
import { rejectionOf } from '../temp-tree.js';
import { lookupFrom } from './lookup-stub.js';

describe('redactUrl', () => {
  test.each([
    ['https://user:ghp_s3cr3t@github.com/org/repo.git', 'https://github.com/org/repo.git'],
    ['https://oauth2:glpat-s3cr3t@gitlab.com/org/repo.git', 'https://gitlab.com/org/repo.git'],
    ['https://ghp_tokenonly@github.com/org/repo.git', 'https://github.com/org/repo.git'],
    ['https://u:p%40ss@host/x', 'https://host/x'],
    [
      'https://host/x.git?private_token=s3cr3t&ref=main',
      'https://host/x.git?private_token=redacted&ref=main',
    ],
    [
      'https://host/x?X-Amz-Signature=abc&X-Amz-Credential=def',
      'https://host/x?X-Amz-Signature=redacted&X-Amz-Credential=redacted',
    ],
    ['git@github.com:org/repo.git', 'github.com:org/repo.git'],
    ['clone user:hunter2@host failed', 'clone host failed'],
    ['https://github.com/org/repo.git', 'https://github.com/org/repo.git'],
  ])('%s is shown as %s', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });
});

describe('checkUrlAllowed messages', () => {
  test('a refused URL with credentials names the URL without them', async () => {
    const lookup = lookupFrom({ 'git.internal': ['10.0.0.5'] });

    const err = await rejectionOf(
      checkUrlAllowed('https://deploy:glpat-s3cr3t@git.internal/org/repo.git', { lookup }),
    );

    expect(err.message).toBe(
      'URL https://git.internal/org/repo.git refused: its host git.internal resolves to 10.0.0.5, a private address (an admin can allow private addresses)',
    );
    expect(err.message).not.toContain('glpat-s3cr3t');
    expect(err.message).not.toContain('deploy');
  });

  test('credentials are allowed in a URL that passes (they are used, never printed)', async () => {
    const lookup = lookupFrom({ 'github.com': ['140.82.121.4'] });

    await expect(
      checkUrlAllowed('https://x-access-token:ghs_abc@github.com/org/repo.git', { lookup }),
    ).resolves.toBeUndefined();
  });

  test('an unresolvable host is source:url-unresolved, without credentials', async () => {
    const err = await rejectionOf(
      checkUrlAllowed('https://u:s3cr3t@nowhere.invalid/x.git', { lookup: lookupFrom({}) }),
    );

    expect(err.code).toBe('source:url-unresolved');
    expect(err.message).toBe(
      'URL https://nowhere.invalid/x.git: host nowhere.invalid cannot be resolved (ENOTFOUND)',
    );
  });

  test('a host resolving to no address is refused', async () => {
    const err = await rejectionOf(checkUrlAllowed('https://empty.example/x.git', { lookup: async () => [] }));

    expect(err.message).toBe(
      'URL https://empty.example/x.git refused: host empty.example resolves to no address',
    );
  });
});
