import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitCheckoutCache, resolveRevision } from '../../../shared/source/git.js';
import { createGitHttpClient } from '../../../shared/source/git-http.js';
import { advertisedRefs, uploadPack } from '../../../shared/source/git-upload-pack.js';
import { startGitServer, type GitServerHandle } from '../../testbed/components/git-server.js';
import { stopProcess } from '../../testbed/supervisor.js';
import { testbedGuard } from '../../support/source.js';

// The test bed's own git server (git http-backend behind the bridge), started for this file with
// the bridge of this checkout, serving one history under each server configuration.
const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Gitferry Test',
  GIT_AUTHOR_EMAIL: 'test@gitferry.invalid',
  GIT_COMMITTER_NAME: 'Gitferry Test',
  GIT_COMMITTER_EMAIL: 'test@gitferry.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, env: gitEnv, encoding: 'utf8' }).trim();

interface History {
  /** The first commit of main, 15 commits below its tip. */
  old: string;
  tip: string;
  /** The commit the annotated tag v1 points at (not a branch tip). */
  tagged: string;
  /** The head of refs/pull/7/head, on no branch. */
  pull: string;
}

/** Pushes one history into a bare repository whose HEAD names a branch that does not exist. */
function pushHistory(bare: string, work: string): History {
  git(work, 'init', '--quiet', '--initial-branch=main');
  const commit = (file: string, content: string) => {
    mkdirSync(join(work, 'app'), { recursive: true });
    writeFileSync(join(work, 'app', file), content);
    git(work, 'add', '-A');
    git(work, 'commit', '--quiet', '-m', `${file}: ${content.trim()}`);
    return git(work, 'rev-parse', 'HEAD');
  };
  const old = commit('cm.yaml', 'kind: ConfigMap # old\n');
  let tagged = old;
  for (let i = 1; i <= 15; i++) {
    const sha = commit('cm.yaml', `kind: ConfigMap # ${i}\n`);
    if (i === 5) tagged = sha;
  }
  const tip = git(work, 'rev-parse', 'HEAD');
  git(work, 'tag', '-a', 'v1', '-m', 'release one', tagged);
  git(work, 'checkout', '--quiet', '-b', 'feature', tip);
  const pull = commit('cm.yaml', 'kind: ConfigMap # pull request\n');
  git(work, 'push', '--quiet', bare, 'main', 'refs/tags/v1', `${pull}:refs/pull/7/head`);
  // A default branch that was never pushed: every fetch must work without HEAD.
  git(bare, 'symbolic-ref', 'HEAD', 'refs/heads/trunk');
  return { old, tip, tagged, pull };
}

const servers: [string, Record<string, string>][] = [
  ['sends any reachable commit by SHA (as GitHub does)', {}],
  [
    'sends only the tips of its refs',
    { 'uploadpack.allowReachableSHA1InWant': 'false', 'uploadpack.allowAnySHA1InWant': 'false' },
  ],
];

describe.each(servers)('a git server that %s, with a dangling HEAD', (_what, config) => {
  let server: GitServerHandle;
  let root: string;
  let url: string;
  let history: History;
  let cache: GitCheckoutCache;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'gitferry-git-servers-'));
    server = await startGitServer(root, root);
    const bare = join(server.repoRoot, 'apps.git');
    git(root, 'init', '--quiet', '--bare', '--initial-branch=main', bare);
    for (const [key, value] of Object.entries(config)) git(bare, 'config', key, value);
    const work = join(root, 'work');
    mkdirSync(work);
    history = pushHistory(bare, work);
    url = `${server.url}/apps.git`;
    cache = new GitCheckoutCache(join(root, 'checkouts'), { http: { guard: testbedGuard } });
  }, 60_000);
  afterAll(async () => {
    await stopProcess(server.process);
    rmSync(root, { recursive: true, force: true });
  });

  const resolve = (rev: string) => resolveRevision(url, rev, { guard: testbedGuard });
  const contentAt = (sha: string, targetRevision?: string) =>
    cache.withCheckout(
      url,
      sha,
      async (dir) => readFileSync(join(dir, 'app', 'cm.yaml'), 'utf8'),
      {},
      { targetRevision },
    );

  test('the server is configured as described (an unadvertised want is refused or served)', async () => {
    const http = createGitHttpClient({ guard: testbedGuard });
    const ad = await advertisedRefs(http, url);
    expect(ad.refs.has('HEAD')).toBe(false);
    const asked = uploadPack(createGitHttpClient({ guard: testbedGuard }), url, {
      want: history.old,
      depth: 1,
      capabilities: ad.capabilities,
    });
    if (Object.keys(config).length === 0) await expect(asked).resolves.toBeInstanceOf(Buffer);
    else
      await expect(asked).rejects.toMatchObject({
        code: 'source:want-refused',
        message: expect.stringContaining(`not our ref ${history.old}`),
      });
  });

  test('a branch resolves and checks out without HEAD', async () => {
    expect(await resolve('main')).toBe(history.tip);
    expect(await contentAt(history.tip, 'main')).toBe('kind: ConfigMap # 15\n');
  });

  test('an annotated tag resolves to its commit, and that commit checks out', async () => {
    expect(await resolve('v1')).toBe(history.tagged);
    expect(await contentAt(history.tagged, 'v1')).toBe('kind: ConfigMap # 5\n');
  });

  test('refs beyond heads and tags: refs/pull/7/head, also written pull/7/head', async () => {
    expect(await resolve('refs/pull/7/head')).toBe(history.pull);
    expect(await resolve('pull/7/head')).toBe(history.pull);
    expect(await contentAt(history.pull, 'refs/pull/7/head')).toBe('kind: ConfigMap # pull request\n');
  });

  test('a commit 15 below the tip of its branch (a pinned older revision) checks out', async () => {
    expect(await contentAt(history.old, 'main')).toBe('kind: ConfigMap # old\n');
    // Without a targetRevision naming a ref, the branches are searched.
    expect(await contentAt(history.old)).toBe('kind: ConfigMap # old\n');
  });

  test('HEAD, which names no branch, is refused with the reason', async () => {
    await expect(resolve('HEAD')).rejects.toThrow(
      `${url}: revision "HEAD": the repository's HEAD names no existing branch`,
    );
  });

  test('a commit that does not exist is reported as what really failed', async () => {
    const missing = 'e'.repeat(40);
    const err = await contentAt(missing, 'main').catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'source:revision-not-found' });
    if (Object.keys(config).length === 0)
      expect((err as Error).message).toBe(
        `${url}: commit ${missing} does not exist in this repository (the server, which sends any commit of its branches and tags by SHA, has none such)`,
      );
    else
      expect((err as Error).message).toBe(
        `${url}: commit ${missing} cannot be fetched: the server sends only the tips of its refs, not other commits by SHA (uploadpack.allowReachableSHA1InWant is off), and the commit is not within the newest 1000 commits of refs/heads/main`,
      );
  });
});
