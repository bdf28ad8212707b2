import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSecretStore, SecretStoreError } from '../../../../shared/adapters/local/file-secret-store.js';
import { rejectionOf } from './local-bed.js';

describe('FileSecretStore secret names', () => {
  let root: string;
  let store: FileSecretStore;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'gitferry-secret-names-'));
    await mkdir(join(root, 'secrets', 'clusters'), { recursive: true });
    await writeFile(join(root, 'outside'), 'not yours');
    await writeFile(join(root, 'secrets', 'clusters', 'a..b'), 'dots inside a name are fine');
    store = new FileSecretStore(join(root, 'secrets'), { env: { GITFERRY_SECRET____OUTSIDE: 'nor this' } });
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  test.each([
    '..',
    '../outside',
    'clusters/../../outside',
    'clusters/..',
    '/etc/passwd',
    '',
    'a//b',
    './a',
    'a/',
    'a\\b',
    'a\0b',
  ])('%j is refused without reading anything', async (name) => {
    const err = await rejectionOf(store.get(name));

    expect(err).toBeInstanceOf(SecretStoreError);
    expect(err.code).toBe('secret:invalid-name');
    expect(err.message).toMatch(
      new RegExp(`^Secret name ${JSON.stringify(JSON.stringify(name)).slice(1, -1)} is refused: `),
    );
  });

  test('writing under a refused name is refused too', async () => {
    const err = await rejectionOf(store.put('../outside', 'overwritten'));

    expect(err).toBeInstanceOf(SecretStoreError);
    expect(err.code).toBe('secret:invalid-name');
  });

  test('two dots inside a segment are an ordinary name', async () => {
    expect(await store.get('clusters/a..b')).toBe('dots inside a name are fine');
  });

  test('a name that is a directory is not a secret', async () => {
    expect(await store.get('clusters')).toBeUndefined();
  });
});
