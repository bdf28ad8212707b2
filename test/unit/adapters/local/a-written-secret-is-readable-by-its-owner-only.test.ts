import { mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSecretStore, SecretStoreError } from '../../../../shared/adapters/local/file-secret-store.js';
import { rejectionOf } from './local-bed.js';

describe('FileSecretStore.put', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gitferry-secret-put-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  test('a secret is written as a file only its owner can read, in directories only its owner can enter', async () => {
    const store = new FileSecretStore(join(dir, 'secrets'), { env: {} });
    await store.put('clusters/prod/token', 'eyJhbGciOi');

    expect(await readFile(join(dir, 'secrets', 'clusters', 'prod', 'token'), 'utf8')).toBe('eyJhbGciOi');
    expect((await stat(join(dir, 'secrets', 'clusters', 'prod', 'token'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'secrets', 'clusters', 'prod'))).mode & 0o077).toBe(0);
    expect(await store.get('clusters/prod/token')).toBe('eyJhbGciOi');
  });

  test('writing again replaces the value', async () => {
    const store = new FileSecretStore(dir, { env: {} });
    await store.put('token', 'first');
    await store.put('token', 'second');

    expect(await store.get('token')).toBe('second');
  });

  test('a store without a directory cannot write', async () => {
    const err = await rejectionOf(new FileSecretStore(undefined, { env: {} }).put('token', 'x'));

    expect(err).toBeInstanceOf(SecretStoreError);
    expect(err.code).toBe('secret:read-only');
    expect(err.message).not.toContain('x');
  });

  test('one trailing newline of a file is dropped, unless told to keep it', async () => {
    await writeFile(join(dir, 'echoed'), 'token\n');
    await writeFile(join(dir, 'crlf'), 'token\r\n');
    await writeFile(join(dir, 'pem'), 'line1\nline2\n\n');

    const store = new FileSecretStore(dir, { env: {} });
    expect(await store.get('echoed')).toBe('token');
    expect(await store.get('crlf')).toBe('token');
    expect(await store.get('pem')).toBe('line1\nline2\n');
    expect(await new FileSecretStore(dir, { env: {}, stripTrailingNewline: false }).get('echoed')).toBe(
      'token\n',
    );
  });

  test('a secret file that cannot be read is an error naming the secret, not an absent secret', async () => {
    await symlink('loop', join(dir, 'loop')); // ELOOP: fails for root too, unlike a mode-000 file
    const err = await rejectionOf(
      new FileSecretStore(dir, { env: { GITFERRY_SECRET_LOOP: 'env' } }).get('loop'),
    );

    expect(err).toBeInstanceOf(SecretStoreError);
    expect(err.code).toBe('secret:read-failed');
    expect(err.message).toBe('Secret loop cannot be read: ELOOP');
  });
});
