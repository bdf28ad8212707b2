// A newer commit of a repository reuses its previous checkout: a subtree or file whose git object
// id is unchanged is hard-linked instead of read from the pack and written again. What this must
// never change: the files each checkout holds, the limits (counted before anything is written),
// the symlink rule (a subtree moved to another depth is judged where it is now), and the
// separation between credentials.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { GitCheckoutCache } from '../../../shared/source/git.js';
import { defaultSourceLimits, type SourceLimits } from '../../../shared/source/types.js';
import { TestRepo } from '../../support/git.js';
import { testbedGuard } from '../../support/source.js';

/** Every path under dir → file content, symlink target (`-> t`) or `/` for a directory. */
function treeOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const full = join(e.parentPath, e.name);
    const rel = relative(dir, full);
    if (e.isSymbolicLink())
      out[rel] = `-> ${spawnSync('readlink', [full], { encoding: 'utf8' }).stdout.trim()}`;
    else if (e.isDirectory()) out[rel] = '/';
    else out[rel] = readFileSync(full, 'utf8');
  }
  return out;
}

function plumbing(repo: TestRepo, args: string[], input = ''): string {
  const run = spawnSync('git', args, { cwd: repo.path, input, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`git ${args.join(' ')}: ${run.stderr}`);
  return run.stdout.trim();
}

/** Commits a tree (on top of `parent`: the older commit stays fetchable) and pushes it as main. */
async function pushTree(repo: TestRepo, tree: string, parent?: string): Promise<string> {
  const commit = plumbing(repo, ['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-m', 'tree']);
  await repo.git('push', '--quiet', 'origin', `${commit}:refs/heads/main`);
  return commit;
}

describe('a checkout reuses what the previous checkout of its repository wrote', () => {
  let root: string;
  let repo: TestRepo;
  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'gitferry-checkout-reuse-'));
    repo = await TestRepo.create('reuse');
  });
  afterEach(() => {
    repo.dispose();
    rmSync(root, { recursive: true, force: true });
  });
  const cacheOf = (limits: Partial<SourceLimits> = {}) =>
    new GitCheckoutCache(join(root, 'checkouts'), {
      http: { guard: testbedGuard },
      limits: { ...defaultSourceLimits, ...limits },
    });
  const filesAt = (
    cache: GitCheckoutCache,
    sha: string,
    credentials?: { username: string; password: string },
  ) =>
    cache.withCheckout(
      repo.url,
      sha,
      async (dir) => ({ dir, tree: treeOf(dir) }),
      credentials ? { credentials } : {},
    );

  test('one app changed among many: the rest is linked, and both checkouts hold exactly their commit', async () => {
    const files: Record<string, string> = {};
    const pad = 'x'.repeat(600);
    for (let i = 0; i < 20; i++) {
      files[`apps/${i}/cm.yaml`] = `kind: ConfigMap\nmetadata: { name: app-${i} }\n# ${pad}\n`;
      files[`apps/${i}/sa.yaml`] = `kind: ServiceAccount\nmetadata: { name: app-${i} }\n# ${pad}\n`;
    }
    files['apps/3/nested/deep.yaml'] = 'deep: 1\n';
    const first = await repo.commit(files, 'v1');
    await repo.git('rm', '-q', 'apps/7/sa.yaml');
    chmodSync(join(repo.path, 'apps/9/cm.yaml'), 0o755);
    const second = await repo.commit(
      { 'apps/5/cm.yaml': 'kind: ConfigMap\nmetadata: { name: changed }\n' },
      'v2',
    );
    // Every file (and git object) is under the one-file limit, every app directory over it: a
    // linked directory is held to the total, not to the limit of one file.
    const cache = cacheOf({ maxFileBytes: 1_000 });

    const one = await filesAt(cache, first);
    const two = await filesAt(cache, second);

    const expected: Record<string, string> = {
      ...files,
      'apps/5/cm.yaml': 'kind: ConfigMap\nmetadata: { name: changed }\n',
    };
    delete expected['apps/7/sa.yaml'];
    const withDirs = (f: Record<string, string>) => {
      const out: Record<string, string> = { ...f };
      for (const p of Object.keys(f))
        for (let d = p.split('/').slice(0, -1); d.length > 0; d.pop()) out[d.join('/')] = '/';
      return out;
    };
    expect(two.tree).toEqual(withDirs(expected));
    expect(one.tree).toEqual(withDirs(files));
    // 17 app directories unchanged (5, 7 and 9 changed), and apps/9/sa.yaml, apps/5/sa.yaml and
    // apps/7/cm.yaml linked as files; apps/9/cm.yaml changed only its mode, so it is written anew.
    expect(cache.stats()).toMatchObject({ fetches: 2, reusedTrees: 17, reusedFiles: 3 });
    expect(statSync(join(two.dir, 'apps/9/cm.yaml')).mode & 0o777).toBe(0o755);
    expect(statSync(join(one.dir, 'apps/9/cm.yaml')).mode & 0o777).toBe(0o644);
    expect(statSync(join(two.dir, 'apps/0/cm.yaml')).ino).toBe(statSync(join(one.dir, 'apps/0/cm.yaml')).ino);
    expect(statSync(join(two.dir, 'apps/5/cm.yaml')).ino).not.toBe(
      statSync(join(one.dir, 'apps/5/cm.yaml')).ino,
    );
  });

  test('a subtree moved to another depth is judged where it is now: its symlink out is refused', async () => {
    const blob = plumbing(repo, ['hash-object', '-w', '--stdin'], 'kind: ConfigMap\n');
    // b/link -> ../../f.yaml: inside the checkout at a/b (it names f.yaml at the root)...
    const target = plumbing(repo, ['hash-object', '-w', '--stdin'], '../../f.yaml');
    const b = plumbing(repo, ['mktree'], `120000 blob ${target}\tlink\n100644 blob ${blob}\tx.yaml\n`);
    const a = plumbing(repo, ['mktree'], `040000 tree ${b}\tb\n`);
    const first = await pushTree(
      repo,
      plumbing(repo, ['mktree'], `040000 tree ${a}\ta\n100644 blob ${blob}\tf.yaml\n`),
    );
    // ...and outside it at b, the same tree object one level up.
    const second = await pushTree(
      repo,
      plumbing(repo, ['mktree'], `040000 tree ${a}\ta\n040000 tree ${b}\tb\n100644 blob ${blob}\tf.yaml\n`),
      first,
    );
    const cache = cacheOf();

    expect((await filesAt(cache, first)).tree['a/b/link']).toBe('-> ../../f.yaml');
    const err = await filesAt(cache, second).catch((e: Error) => e);

    expect(err).toMatchObject({
      code: 'source:path-escape',
      message: `${repo.url} at ${second}: symlink "b/link" leads outside the repository checkout`,
    });
    expect(cache.stats()).toMatchObject({ fetches: 2 });
  });

  test('a linked subtree counts against maxFiles before anything is written', async () => {
    const blob = plumbing(repo, ['hash-object', '-w', '--stdin'], 'kind: ConfigMap\n');
    const d = plumbing(
      repo,
      ['mktree'],
      Array.from({ length: 20 }, (_, i) => `100644 blob ${blob}\tf${i}.yaml\n`).join(''),
    );
    const first = await pushTree(repo, plumbing(repo, ['mktree'], `040000 tree ${d}\td0\n`));
    // The same 20-file subtree three times: 63 entries, past a limit of 50.
    const second = await pushTree(
      repo,
      plumbing(repo, ['mktree'], [0, 1, 2].map((i) => `040000 tree ${d}\td${i}\n`).join('')),
      first,
    );
    const cache = cacheOf({ maxFiles: 50 });
    await filesAt(cache, first);
    const before = readdirSync(join(root, 'checkouts'));

    const err = await filesAt(cache, second).catch((e: Error) => e);

    expect(err).toMatchObject({ code: 'source:too-many-files' });
    expect((err as Error).message).toContain('before writing any');
    // Nothing of the refused checkout is left (the first one stays).
    expect(readdirSync(join(root, 'checkouts'))).toEqual(before);
  });

  test('checkouts made with other credentials are never linked from', async () => {
    const files = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`apps/${i}/cm.yaml`, `n: ${i}\n`]));
    const first = await repo.commit(files, 'v1');
    const second = await repo.commit({ 'apps/0/cm.yaml': 'n: changed\n' }, 'v2');
    const cache = cacheOf();

    // The test bed's git server takes any credentials: the two scopes are two tenants.
    const one = await filesAt(cache, first, { username: 'tenant-a', password: 'a' });
    const two = await filesAt(cache, second, { username: 'tenant-b', password: 'b' });

    expect(cache.stats()).toMatchObject({ fetches: 2, reusedTrees: 0, reusedFiles: 0 });
    expect(statSync(join(two.dir, 'apps/1/cm.yaml')).ino).not.toBe(
      statSync(join(one.dir, 'apps/1/cm.yaml')).ino,
    );
    expect(existsSync(one.dir) && lstatSync(one.dir).isDirectory()).toBe(true);
  });
});
