import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSecretStore } from '../../../../shared/adapters/local/file-secret-store.js';

// A cluster token is asked for at every request to its API server: the file is read once per
// cacheMs, at once when the caller asks fresh (its value was refused), and after a put here.
describe('the file secret store keeps a value briefly', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gitferry-secret-cache-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const rotate = (value: string) => {
    mkdirSync(join(dir, 'clusters'), { recursive: true });
    writeFileSync(join(dir, 'clusters/prod'), value);
  };

  test('a value rotated on disk is answered from the cache until fresh, then the new one', async () => {
    const store = new FileSecretStore(dir, { env: {} });
    rotate('token-one');
    expect(await store.get('clusters/prod')).toBe('token-one');
    rotate('token-two');
    expect(await store.get('clusters/prod')).toBe('token-one');
    expect(await store.get('clusters/prod', { fresh: true })).toBe('token-two');
    expect(await store.get('clusters/prod')).toBe('token-two');
  });

  test('after cacheMs the file is read again', async () => {
    const store = new FileSecretStore(dir, { env: {}, cacheMs: 20 });
    rotate('token-three');
    expect(await store.get('clusters/prod')).toBe('token-three');
    rotate('token-four');
    await new Promise((r) => setTimeout(r, 40));
    expect(await store.get('clusters/prod')).toBe('token-four');
  });

  test('a put here is read back at once, and cacheMs 0 reads every time', async () => {
    const store = new FileSecretStore(dir, { env: {} });
    expect(await store.get('clusters/new')).toBeUndefined();
    await store.put('clusters/new', 'written');
    expect(await store.get('clusters/new')).toBe('written');
    const uncached = new FileSecretStore(dir, { env: {}, cacheMs: 0 });
    rotate('token-five');
    expect(await uncached.get('clusters/prod')).toBe('token-five');
    rotate('token-six');
    expect(await uncached.get('clusters/prod')).toBe('token-six');
  });
});
