// bin/gitferry runs the esbuild bundle, and builds it first when it is missing (a fresh clone
// after `npm ci`) or older than a source file (a pull, an edit): it always runs the checkout's code.
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('bin/gitferry in a checkout', () => {
  // A checkout of its own: the real sources by symlink, its own dist/.
  const clone = mkdtempSync(join(tmpdir(), 'gitferry-clone-'));
  const bundle = join(clone, 'dist', 'cli', 'gitferry.mjs');
  beforeAll(() => {
    for (const d of ['bin', 'scripts']) mkdirSync(join(clone, d));
    copyFileSync(join(root, 'bin', 'gitferry'), join(clone, 'bin', 'gitferry'));
    copyFileSync(join(root, 'scripts', 'build-cli.mjs'), join(clone, 'scripts', 'build-cli.mjs'));
    copyFileSync(join(root, 'package.json'), join(clone, 'package.json'));
    for (const link of ['cli', 'shared', 'node_modules', 'tsconfig.json'])
      symlinkSync(join(root, link), join(clone, link));
  });
  afterAll(() => rmSync(clone, { recursive: true, force: true }));

  const version = async () => (await run(join(clone, 'bin', 'gitferry'), ['--version'])).stdout;

  test('builds the bundle on the first command of a fresh clone, rebuilds it when stale, and only then', async () => {
    expect(existsSync(bundle)).toBe(false);
    expect(await version()).toMatch(/^gitferry v0\.1\.0 \(\S+\)\n$/);
    expect(existsSync(bundle)).toBe(true);

    // Older than the sources: rebuilt on the next command.
    const past = new Date(Date.now() - 3600_000 * 24 * 365 * 20);
    utimesSync(bundle, past, past);
    await version();
    const rebuilt = statSync(bundle).mtimeMs;
    expect(rebuilt).toBeGreaterThan(past.getTime() + 1000);

    // Fresh: left alone.
    await version();
    expect(statSync(bundle).mtimeMs).toBe(rebuilt);
  }, 180_000);
});
