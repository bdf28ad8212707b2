import { chmod, lstat, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, writePrivateFile } from '../../../cli/serve.js';
import type { Logger } from '../../../shared/ports/logger.js';

const quiet: Logger = { info: () => {}, warn: () => {}, error: () => {} };

describe('the API token file that serve writes is private', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gitferry-serve-token-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const start = () =>
    serve({ port: 0, host: '127.0.0.1', dataDir: dir, workers: 1, driftIntervalMs: 3_600_000, log: quiet });

  test('a new token file is 0600', async () => {
    const server = await start();
    await server.stop();

    expect((await stat(join(dir, 'api-token'))).mode & 0o777).toBe(0o600);
    expect((await readFile(join(dir, 'api-token'), 'utf8')).trim()).toBe(server.token);
  });

  test('an existing world-readable token file is made 0600 and its token kept', async () => {
    const file = join(dir, 'api-token');
    await writeFile(file, 'kept-token\n');
    await chmod(file, 0o644);

    const server = await start();
    await server.stop();

    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(server.token).toBe('kept-token');
    expect(await readFile(file, 'utf8')).toBe('kept-token\n');
  });

  test('a symlink planted at the token file is not written through', async () => {
    const target = join(dir, 'elsewhere');
    await writeFile(target, 'not yours\n');
    await chmod(target, 0o644);
    await symlink(target, join(dir, 'link'));

    expect(() => writePrivateFile(join(dir, 'link'), 'secret\n')).toThrow(/ELOOP/);
    expect(await readFile(target, 'utf8')).toBe('not yours\n');
    expect((await lstat(target)).mode & 0o777).toBe(0o644);
  });

  test('a longer old content is replaced, not overwritten in part', async () => {
    const file = join(dir, 'f');
    await writeFile(file, 'a much longer old token value\n', { mode: 0o666 });

    writePrivateFile(file, 'short\n');

    expect(await readFile(file, 'utf8')).toBe('short\n');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });
});
