import { spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitCheckoutCache } from '../../../shared/source/git.js';
import { defaultSourceLimits, repoMaxFilesHint, type SourceLimits } from '../../../shared/source/types.js';
import { TestRepo } from '../../support/git.js';
import { testbedGuard } from '../../support/source.js';

const mib = 1024 * 1024;

/** Bytes under a directory right now (files and links; what vanishes mid-walk counts as nothing). */
function diskBytes(dir: string): number {
  let total = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    const path = join(dir, name);
    try {
      const info = lstatSync(path);
      total += info.isDirectory() ? diskBytes(path) : info.size;
    } catch {
      // removed while walking
    }
  }
  return total;
}

/** Samples the bytes under `dir` while `work` runs; resolves with its outcome and the largest sample. */
async function watchingDisk<T>(
  dir: string,
  work: () => Promise<T>,
): Promise<{ outcome: T | Error; peak: number }> {
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, diskBytes(dir))), 5);
  try {
    return { outcome: await work().catch((e: Error) => e), peak: Math.max(peak, diskBytes(dir)) };
  } finally {
    clearInterval(timer);
  }
}

/** Runs git plumbing in the repo's working clone with `input` on stdin. */
function plumbing(repo: TestRepo, args: string[], input = ''): string {
  const run = spawnSync('git', args, { cwd: repo.path, input, encoding: 'utf8', maxBuffer: 64 * mib });
  if (run.status !== 0) throw new Error(`git ${args.join(' ')}: ${run.stderr}`);
  return run.stdout.trim();
}

/** Commits a tree object as the branch head and pushes it; returns the commit SHA. */
async function pushTree(repo: TestRepo, tree: string): Promise<string> {
  const commit = plumbing(repo, ['commit-tree', tree, '-m', 'hostile tree']);
  await repo.git('push', '--quiet', 'origin', `${commit}:refs/heads/main`);
  return commit;
}

describe('a git checkout holds its limits before memory or disk is spent', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'gitferry-checkout-limits-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const cache = (limits: Partial<SourceLimits> = {}) =>
    new GitCheckoutCache(join(root, 'checkouts'), {
      http: { guard: testbedGuard },
      limits: { ...defaultSourceLimits, ...limits },
    });
  const leftBehind = () => (existsSync(join(root, 'checkouts')) ? readdirSync(join(root, 'checkouts')) : []);

  test('a 50 MiB blob of zeros, about 50 KiB pushed, is refused from the pack before it is inflated or written', async () => {
    const repo = await TestRepo.create('zeros');
    try {
      writeFileSync(join(repo.path, 'big.bin'), Buffer.alloc(50 * mib));
      const sha = await repo.commit({ 'manifests/cm.yaml': 'kind: ConfigMap\n' }, 'a bomb of zeros');

      const { outcome, peak } = await watchingDisk(root, () =>
        cache().withCheckout(repo.url, sha, async () => 'checked out'),
      );

      expect(outcome).toMatchObject({
        code: 'source:too-large',
        message: `fetching ${sha} of ${repo.url}: the pack holds a blob of ${50 * mib} bytes, more than the limit of ${defaultSourceLimits.maxFileBytes} bytes for one file (refused before unpacking)`,
      });
      expect(peak).toBeLessThan(mib);
      expect(leftBehind()).toEqual([]);
    } finally {
      repo.dispose();
    }
  });

  test('100k tiny files in one tree are refused by count before any file is written', async () => {
    const repo = await TestRepo.create('many-files');
    try {
      const blob = plumbing(repo, ['hash-object', '-w', '--stdin'], 'kind: ConfigMap\n');
      const lines = Array.from(
        { length: 100_000 },
        (_, i) => `100644 blob ${blob}\tf${String(i).padStart(6, '0')}.yaml`,
      );
      const sha = await pushTree(repo, plumbing(repo, ['mktree'], `${lines.join('\n')}\n`));

      const { outcome, peak } = await watchingDisk(root, () =>
        cache().withCheckout(repo.url, sha, async () => 'x'),
      );

      expect(outcome).toMatchObject({
        code: 'source:too-many-files',
        message: `${repo.url} at ${sha}: the tree has more than ${defaultSourceLimits.maxFiles} files and directories (refused at "f020000.yaml", before writing any; ${repoMaxFilesHint})`,
      });
      // The pack (one blob, one 4 MB tree compressed) and git's metadata; not one of the files.
      expect(peak).toBeLessThan(4 * mib);
      expect(leftBehind()).toEqual([]);
    } finally {
      repo.dispose();
    }
  });

  test('a tree that repeats one subtree ten times nine levels deep (a billion files) is refused by count', async () => {
    const repo = await TestRepo.create('tree-bomb');
    try {
      const blob = plumbing(repo, ['hash-object', '-w', '--stdin'], 'lol\n');
      let tree = plumbing(
        repo,
        ['mktree'],
        Array.from({ length: 10 }, (_, i) => `100644 blob ${blob}\tf${i}\n`).join(''),
      );
      for (let level = 0; level < 9; level++)
        tree = plumbing(
          repo,
          ['mktree'],
          Array.from({ length: 10 }, (_, i) => `040000 tree ${tree}\td${i}\n`).join(''),
        );
      const sha = await pushTree(repo, tree);
      const started = Date.now();

      const err = (await cache({ maxFiles: 1000 })
        .withCheckout(repo.url, sha, async () => 'x')
        .catch((e: Error) => e)) as Error & { code?: string };

      expect(err).toMatchObject({ code: 'source:too-many-files' });
      // Breadth first: 10 + 100 entries, then the 891st of the third level.
      expect(err.message).toBe(
        `${repo.url} at ${sha}: the tree has more than 1000 files and directories (refused at "d8/d9/d0", before writing any; ${repoMaxFilesHint})`,
      );
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(leftBehind()).toEqual([]);
    } finally {
      repo.dispose();
    }
  });

  test('copies of one blob, tiny in the pack, stop at the byte limit before the file that passes it is written', async () => {
    const repo = await TestRepo.create('copies');
    try {
      const files: Record<string, string> = {};
      const content = 'x'.repeat(mib);
      for (let i = 1; i <= 30; i++) files[`copies/c${String(i).padStart(2, '0')}.txt`] = content;
      const sha = await repo.commit(files, 'thirty copies of one MiB');

      const { outcome, peak } = await watchingDisk(root, () =>
        cache({ maxBytes: 10 * mib }).withCheckout(repo.url, sha, async () => 'x'),
      );

      expect(outcome).toMatchObject({
        code: 'source:too-large',
        message: expect.stringMatching(
          new RegExp(
            `^${repo.url} at ${sha}: the files pass the limit of ${10 * mib} bytes at "copies/c\\d\\d\\.txt" \\(refused before writing it\\)$`,
          ),
        ),
      });
      expect(peak).toBeLessThanOrEqual(11 * mib);
      expect(leftBehind()).toEqual([]);
    } finally {
      repo.dispose();
    }
  });

  test('symlinks out and submodules: links leading out are refused by name, submodules are left empty and not followed', async () => {
    const repo = await TestRepo.create('links');
    try {
      await repo.commit({ 'manifests/cm.yaml': 'kind: ConfigMap\n', 'run.sh': '#!/bin/sh\n' });
      await repo.git('update-index', '--chmod=+x', 'run.sh');
      await repo.git('update-index', '--add', '--cacheinfo', `160000,${'1'.repeat(40)},vendor/module`);
      await repo.git(
        'update-index',
        '--add',
        '--cacheinfo',
        `120000,${plumbing(repo, ['hash-object', '-w', '--stdin'], 'manifests/cm.yaml')},inside.yaml`,
      );
      await repo.git('commit', '--quiet', '-m', 'a submodule and a link inside');
      await repo.git('push', '--quiet', 'origin', 'HEAD:refs/heads/main');
      const good = await repo.git('rev-parse', 'HEAD');

      const seen = await cache().withCheckout(repo.url, good, async (dir) => ({
        module: readdirSync(join(dir, 'vendor', 'module')),
        link: readlinkSync(join(dir, 'inside.yaml')),
        executable: (statSync(join(dir, 'run.sh')).mode & 0o111) !== 0,
      }));
      expect(seen).toEqual({ module: [], link: 'manifests/cm.yaml', executable: true });

      for (const target of ['/etc/passwd', '../../../proc/self/environ']) {
        const link = plumbing(repo, ['hash-object', '-w', '--stdin'], target);
        await repo.git('update-index', '--add', '--cacheinfo', `120000,${link},manifests/out.yaml`);
        await repo.git('commit', '--quiet', '-m', `a link to ${target}`);
        await repo.git('push', '--quiet', 'origin', 'HEAD:refs/heads/main');
        const sha = await repo.git('rev-parse', 'HEAD');

        const err = await cache()
          .withCheckout(repo.url, sha, async () => 'x')
          .catch((e: Error) => e);

        expect(err).toMatchObject({
          code: 'source:path-escape',
          message: `${repo.url} at ${sha}: symlink "manifests/out.yaml" leads outside the repository checkout`,
        });
      }
    } finally {
      repo.dispose();
    }
  });
});
