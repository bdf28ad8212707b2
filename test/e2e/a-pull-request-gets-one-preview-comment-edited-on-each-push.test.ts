// Pull-request previews end to end: `gitferry serve` on the test bed, the test bed's git server
// (a pushed branch is the PR's head), and a GitHub API stand-in that records the exact requests.
// A pull_request event → one status and one comment with the diff of a server-side dry run; a
// second push (synchronize) edits that comment; a fork's PR is not previewed; a PR leaving its
// project fails naming the object; attacker values (a branch named --upload-pack=…, a huge diff,
// a symlink out of the repo) are refused or bounded.
import { createHmac, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../testbed/free-port.js';
import { startGitHubStandIn } from '../support/github-stand-in.js';
import { cliAgainst, eventuallyWithServeLog, startServe, type ServeProcess } from '../support/serve.js';
import { TestRepo } from '../support/git.js';
import { kubectl, uniqueName } from '../support/testbed.js';

const webhookSecret = 'preview-e2e-webhook-secret';
const token = 'ghp_previewE2eToken0123456789';

describe('a pull request gets one preview comment, edited on each push', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gitferry-preview-'));
  const ns = uniqueName('e2e-preview');
  const name = uniqueName('preview');
  const project = uniqueName('pproj');
  let server: ServeProcess;
  let repo: TestRepo;
  let gh: Awaited<ReturnType<typeof startGitHubStandIn>>;
  let mainSha: string;
  let featureSha: string;
  const cli = cliAgainst(() => server, dataDir);
  const eventually = eventuallyWithServeLog(() => server);

  const configMap = (cmName: string, data: Record<string, string>) =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${cmName} }\ndata:\n${Object.entries(data)
      .map(([k, v]) => `  ${k}: "${v}"`)
      .join('\n')}\n`;
  const secret = (password: string) =>
    `apiVersion: v1\nkind: Secret\nmetadata: { name: creds }\nstringData:\n  password: "${password}"\n`;

  /** A pull_request delivery as GitHub sends it, signed. */
  const deliver = async (
    pr: { number: number; sha: string; ref: string; action?: string; fork?: boolean },
    deliveryId = randomUUID(),
  ) => {
    const body = JSON.stringify({
      action: pr.action ?? 'opened',
      number: pr.number,
      pull_request: {
        number: pr.number,
        html_url: `https://github.example/acme/${repo.name}/pull/${pr.number}`,
        head: {
          sha: pr.sha,
          ref: pr.ref,
          repo: { full_name: pr.fork ? `mallory/${repo.name}` : `acme/${repo.name}` },
        },
        base: {
          ref: 'main',
          sha: mainSha,
          repo: { full_name: `acme/${repo.name}`, clone_url: repo.url, html_url: repo.url },
        },
      },
      repository: { full_name: `acme/${repo.name}`, clone_url: repo.url },
    });
    const res = await fetch(`${server.url}/api/webhook`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'pull_request',
        'x-github-delivery': deliveryId,
        'x-hub-signature-256': `sha256=${createHmac('sha256', webhookSecret).update(body).digest('hex')}`,
      },
      body,
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  /** Pushes a branch off main with `files` (and the symlinks in `links`); returns its SHA. */
  const branch = async (
    ref: string,
    files: Record<string, string>,
    links: Record<string, string> = {},
    base = mainSha,
  ) => {
    await repo.git('checkout', '-q', '--detach', base);
    for (const [path, target] of Object.entries(links)) symlinkSync(target, join(repo.path, path));
    return repo.commit(files, `pr ${ref}`, ref);
  };
  const requestsFor = (sha: string, issue: number) =>
    gh.requests.filter(
      (r) =>
        r.path.includes(`/statuses/${sha}`) ||
        r.path.includes(`/issues/${issue}/comments`) ||
        (r.method === 'PATCH' && r.body.includes(`${sha.slice(0, 12)}`)),
    );
  const statusOf = (sha: string) => {
    const r = gh.requests.find((q) => q.path.endsWith(`/statuses/${sha}`));
    return r && (JSON.parse(r.body) as { state: string; context: string; description: string });
  };
  const commentOf = (issue: number) => gh.comments.find((c) => c.issue === String(issue));

  beforeAll(async () => {
    gh = await startGitHubStandIn();
    repo = await TestRepo.create('preview');
    mainSha = await repo.commit({
      'deploy/settings.yaml': configMap('settings', { value: 'one' }),
      'deploy/secret.yaml': secret('hunter2-main'),
    });
    await kubectl(['create', 'namespace', ns]);
    const notifications = join(dataDir, 'notifications.yaml');
    writeFileSync(
      notifications,
      `preview:\n  github:\n    apiURL: ${gh.url}/api/v3\n    tokenSecret: preview/github-token\n    commentAuthor: gitferry-bot\n`,
    );
    server = await startServe({
      port: await freePort(),
      dataDir,
      cluster: true,
      env: {
        GITFERRY_NOTIFICATIONS_FILE: notifications,
        GITFERRY_SECRET_WEBHOOKS_GITHUB: webhookSecret,
        GITFERRY_SECRET_PREVIEW_GITHUB_TOKEN: token,
      },
    });
    const projFile = join(dataDir, 'project.yaml');
    writeFileSync(
      projFile,
      `apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata: { name: ${project} }\nspec:\n  sourceRepos: ['*']\n  destinations: [{ name: testbed, namespace: ${ns} }]\n`,
    );
    expect((await cli('proj', 'create', '-f', projFile)).code).toBe(0);
    const appFile = join(dataDir, 'app.yaml');
    writeFileSync(
      appFile,
      `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: { name: ${name} }\nspec:\n  project: ${project}\n` +
        `  source: { repoURL: ${repo.url}, targetRevision: main, path: deploy }\n` +
        `  destination: { name: testbed, namespace: ${ns} }\n  syncPolicy: { automated: { prune: true } }\n`,
    );
    expect((await cli('app', 'create', '-f', appFile)).code).toBe(0);
    await cli('app', 'sync', name);
    const waited = await cli('app', 'wait', name, '--sync', '--timeout', '180');
    expect(waited).toMatchObject({ code: 0 });
  });
  afterAll(async () => {
    await cli('app', 'delete', name, '-y').catch(() => undefined);
    server?.child.kill('SIGTERM');
    await gh?.close();
    repo?.dispose();
    rmSync(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
  });

  test('opened: one status and one comment with the dry run diff, Secret values masked', async () => {
    const sha = (featureSha = await branch('feature', {
      'deploy/settings.yaml': configMap('settings', { value: 'two' }),
      'deploy/secret.yaml': secret('hunter2-pr'),
    }));
    const delivery = randomUUID();
    const first = await deliver({ number: 7, sha, ref: 'feature' }, delivery);
    expect(first).toMatchObject({ status: 202, json: { enqueued: [name], preview: true } });
    // The same delivery again (GitHub's redelivery): nothing more is queued.
    expect(await deliver({ number: 7, sha, ref: 'feature' }, delivery)).toMatchObject({
      status: 200,
      json: { duplicate: true },
    });
    await eventually('the preview comment is posted', async () => commentOf(7), 120_000, 250);
    const sent = requestsFor(sha, 7);
    expect(sent.map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST /api/v3/repos/acme/${repo.name}/statuses/${sha}`,
      `GET /api/v3/repos/acme/${repo.name}/issues/7/comments?per_page=100&page=1`,
      `POST /api/v3/repos/acme/${repo.name}/issues/7/comments`,
    ]);
    expect(sent[0]!.headers.authorization).toBe(`Bearer ${token}`);
    expect(sent[0]!.headers['x-github-api-version']).toBe('2022-11-28');
    expect(JSON.parse(sent[0]!.body)).toEqual({
      state: 'success',
      context: `gitferry/preview/${name}`,
      description: '0 to create, 2 to change, 0 to prune, 0 unchanged',
      target_url: `https://github.example/acme/${repo.name}/pull/7`,
    });
    const body = commentOf(7)!.body;
    expect(body.startsWith(`<!-- gitferry-preview:${name} -->\n`)).toBe(true);
    expect(body).toContain(`| \`ConfigMap/${ns}/settings\` | change |`);
    expect(body).toContain('-  value: one');
    expect(body).toContain('+  value: two');
    expect(body).toContain(`\`Secret/${ns}/creds\` (change)`);
    // Masked by the engine's diff (and its key name redacted again on the way out).
    expect(body).toMatch(/password: (\+{8}|\[redacted\]) \(desired\)/);
    for (const leaked of [
      'hunter2',
      Buffer.from('hunter2-main').toString('base64'),
      Buffer.from('hunter2-pr').toString('base64'),
    ])
      expect(body).not.toContain(leaked);
    console.log(`rendered preview comment:\n${body}`);
  });

  test('synchronize: a second push edits the same comment (PATCH), never a second one', async () => {
    const sha = await branch(
      'feature',
      {
        'deploy/settings.yaml': configMap('settings', { value: 'three' }),
        'deploy/secret.yaml': secret('hunter2-main'),
      },
      {},
      featureSha,
    );
    const before = gh.comments.length;
    expect((await deliver({ number: 7, sha, ref: 'feature', action: 'synchronize' })).status).toBe(202);
    await eventually(
      'the comment is edited',
      async () => (commentOf(7)!.body.includes('value: three') ? true : undefined),
      120_000,
      250,
    );
    const sent = requestsFor(sha, 7);
    expect(sent.slice(-3).map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST /api/v3/repos/acme/${repo.name}/statuses/${sha}`,
      `GET /api/v3/repos/acme/${repo.name}/issues/7/comments?per_page=100&page=1`,
      `PATCH /api/v3/repos/acme/${repo.name}/issues/comments/${commentOf(7)!.id}`,
    ]);
    expect(gh.comments.length).toBe(before);
    expect(
      gh.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/issues/7/comments')),
    ).toHaveLength(1);
    expect(JSON.parse(gh.requests.find((r) => r.path.endsWith(`/statuses/${sha}`))!.body).description).toBe(
      '0 to create, 1 to change, 0 to prune, 1 unchanged',
    );
  });

  test('a PR from a fork is not previewed without opt-in, and says so', async () => {
    const sha = await branch('from-fork', {
      'deploy/settings.yaml': configMap('settings', { value: 'fork' }),
    });
    expect((await deliver({ number: 8, sha, ref: 'from-fork', fork: true })).status).toBe(202);
    await eventually('the fork PR gets its status', async () => statusOf(sha), 120_000, 250);
    expect(statusOf(sha)).toEqual({
      state: 'success',
      context: `gitferry/preview/${name}`,
      description: 'Not previewed: pull requests from forks are not previewed (preview.forks is off)',
      target_url: `https://github.example/acme/${repo.name}/pull/8`,
    });
    expect(gh.requests.filter((r) => r.path.includes('/issues/8/'))).toEqual([]);
  });

  test('a PR that leaves its project fails the check naming the object; its --upload-pack= branch name is data', async () => {
    const ref = '--upload-pack=touch-pwned';
    const sha = await branch(ref, {
      'deploy/role.yaml':
        'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: { name: preview-escape }\nrules: []\n',
    });
    expect((await deliver({ number: 9, sha, ref })).status).toBe(202);
    await eventually('the failing status', async () => commentOf(9), 120_000, 250);
    expect(statusOf(sha)).toMatchObject({
      state: 'failure',
      description: expect.stringContaining('ClusterRole/preview-escape'),
    });
    const body = commentOf(9)!.body;
    expect(body).toContain(
      `ClusterRole/preview-escape: cluster-scoped rbac.authorization.k8s.io/ClusterRole is not permitted in project ${project}`,
    );
    expect(body).toContain('`--upload-pack=touch-pwned`');
    expect(existsSync('touch-pwned') || existsSync(join(dataDir, 'touch-pwned'))).toBe(false);
  });

  test('a huge diff is cut to the comment bound, saying so; a symlink out of the repo is refused', async () => {
    const big: Record<string, string> = {};
    for (let i = 0; i < 4000; i++) big[`key${i}`] = 'x'.repeat(90);
    const huge = await branch('huge', { 'deploy/big.yaml': configMap('big', big) });
    expect((await deliver({ number: 10, sha: huge, ref: 'huge' })).status).toBe(202);
    await eventually('the huge preview', async () => commentOf(10), 120_000, 250);
    const body = commentOf(10)!.body;
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(60_000);
    expect(body).toMatch(/more line\(s\) not shown/);
    expect(statusOf(huge)).toMatchObject({
      state: 'success',
      description: '1 to create, 0 to change, 0 to prune, 2 unchanged',
    });

    const link = await branch('escape', {}, { 'deploy/passwd.yaml': '/etc/passwd' });
    expect((await deliver({ number: 11, sha: link, ref: 'escape' })).status).toBe(202);
    await eventually('the symlink preview', async () => commentOf(11), 120_000, 250);
    expect(statusOf(link)).toMatchObject({ state: 'failure' });
    expect(commentOf(11)!.body).toContain('passwd.yaml');
    expect(commentOf(11)!.body).not.toMatch(/root:.*:0:0/);
    console.log(
      `huge diff comment: ${Buffer.byteLength(body)} bytes; symlink preview: ${statusOf(link)!.description}`,
    );
  });
});
