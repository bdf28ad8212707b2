import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PullRequestTarget } from '../../../shared/domain/pull-request.js';
import { GitHubPreviewPublisher, GitLabPreviewPublisher } from '../../../shared/preview/publish.js';
import { buildPreviewReport, previewMarker } from '../../../shared/preview/report.js';
import { startGitHubStandIn } from '../../support/github-stand-in.js';

const guard = { allowedHosts: ['127.0.0.1/32'] };
const sha = 'e'.repeat(40);
const secrets = {
  get: async (n: string) => ({ 'gh-token': 'ghs_installation', 'gl-token': 'glpat-preview' })[n],
};
const report = (value: string) =>
  buildPreviewReport({
    app: 'shop',
    target: { headSha: sha, headRef: 'feature', fork: false },
    results: [
      {
        ref: { group: '', version: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 's' },
        action: 'configured',
        diff: `+  value: ${value}\n`,
      },
    ],
  });

/** GitLab's notes and statuses, as its REST API answers them. */
async function startGitLabStandIn() {
  const requests: { method: string; path: string; headers: Record<string, unknown>; body: string }[] = [];
  const notes: { id: number; body: string; author: { username: string } }[] = [];
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts).toString('utf8');
      requests.push({ method: req.method!, path: req.url!, headers: req.headers, body });
      const url = new URL(req.url!, 'http://x');
      res.setHeader('content-type', 'application/json');
      if (url.pathname === '/api/v4/projects/42/merge_requests/3/notes' && req.method === 'GET')
        return res.end(JSON.stringify(notes));
      if (url.pathname === '/api/v4/projects/42/merge_requests/3/notes' && req.method === 'POST') {
        notes.push({
          id: 500 + notes.length,
          body: (JSON.parse(body) as { body: string }).body,
          author: { username: 'gitferry' },
        });
        res.statusCode = 201;
        return res.end(JSON.stringify(notes.at(-1)));
      }
      const put = /^\/api\/v4\/projects\/42\/merge_requests\/3\/notes\/(\d+)$/.exec(url.pathname);
      if (put && req.method === 'PUT') {
        notes.find((n) => n.id === Number(put[1]))!.body = (JSON.parse(body) as { body: string }).body;
        return res.end('{}');
      }
      res.statusCode = url.pathname === `/api/v4/projects/42/statuses/${sha}` ? 201 : 404;
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    notes,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('publishers send the exact requests and edit their own comment', () => {
  test('GitLab: a commit status, then one MR note created and later edited with PUT', async () => {
    const gl = await startGitLabStandIn();
    try {
      const target: PullRequestTarget = {
        provider: 'gitlab',
        repoUrls: [],
        repo: '42',
        number: 3,
        headSha: sha,
        headRef: 'feature',
        baseRef: 'main',
        fork: false,
        url: 'https://gitlab.example/acme/shop/-/merge_requests/3',
      };
      const p = new GitLabPreviewPublisher({ apiURL: `${gl.url}/api/v4`, tokenSecret: 'gl-token' }, secrets, {
        guard,
      });
      expect(await p.publish('shop', target, report('one'))).toEqual(['status', 'note created']);
      expect(await p.publish('shop', target, report('two'))).toEqual(['status', 'note edited']);
      expect(gl.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        `POST /api/v4/projects/42/statuses/${sha}`,
        'GET /api/v4/projects/42/merge_requests/3/notes?per_page=100&page=1&sort=asc',
        'POST /api/v4/projects/42/merge_requests/3/notes',
        `POST /api/v4/projects/42/statuses/${sha}`,
        'GET /api/v4/projects/42/merge_requests/3/notes?per_page=100&page=1&sort=asc',
        'PUT /api/v4/projects/42/merge_requests/3/notes/500',
      ]);
      expect(gl.requests[0]!.headers['private-token']).toBe('glpat-preview');
      expect(JSON.parse(gl.requests[0]!.body)).toEqual({
        state: 'success',
        name: 'gitferry/preview/shop',
        description: '0 to create, 1 to change, 0 to prune, 0 unchanged',
        target_url: 'https://gitlab.example/acme/shop/-/merge_requests/3',
      });
      expect(gl.notes).toHaveLength(1);
      expect(gl.notes[0]!.body).toContain('+  value: two');
    } finally {
      await gl.close();
    }
  });

  test('GitHub check runs: completed with a conclusion; a marker copied by someone else is not taken', async () => {
    const gh = await startGitHubStandIn({ login: 'gitferry-app[bot]' });
    try {
      gh.addComment(9, `${previewMarker('shop')}\nfake preview by an attacker`, 'mallory');
      const target: PullRequestTarget = {
        provider: 'github',
        repoUrls: [],
        repo: 'acme/shop',
        number: 9,
        headSha: sha,
        headRef: 'feature',
        baseRef: 'main',
        fork: false,
      };
      const p = new GitHubPreviewPublisher(
        { apiURL: `${gh.url}/api/v3`, tokenSecret: 'gh-token', commentAuthor: 'gitferry-app[bot]' },
        'check-run',
        secrets,
        { guard },
      );
      expect(await p.publish('shop', target, report('one'))).toEqual(['check-run', 'comment created']);
      expect(await p.publish('shop', target, report('two'))).toEqual(['check-run', 'comment edited']);
      const check = JSON.parse(gh.requests[0]!.body) as Record<string, unknown>;
      expect(gh.requests[0]!.path).toBe('/api/v3/repos/acme/shop/check-runs');
      expect(check).toMatchObject({
        name: 'gitferry/preview/shop',
        head_sha: sha,
        status: 'completed',
        conclusion: 'success',
        output: {
          title: 'shop: 0 to create, 1 to change, 0 to prune, 0 unchanged',
          summary: '0 to create, 1 to change, 0 to prune, 0 unchanged',
        },
      });
      expect(gh.comments.map((c) => [c.user.login, c.body.split('\n')[1]])).toEqual([
        ['mallory', 'fake preview by an attacker'],
        ['gitferry-app[bot]', '### Gitferry preview of `shop`'],
      ]);
      expect(gh.comments[1]!.body).toContain('+  value: two');
    } finally {
      await gh.close();
    }
  });

  test('a refused API URL and a missing token fail without retry and name no secret', async () => {
    const target: PullRequestTarget = {
      provider: 'github',
      repoUrls: [],
      repo: 'acme/shop',
      number: 1,
      headSha: sha,
      headRef: 'x',
      baseRef: 'main',
      fork: false,
    };
    const metadata = new GitHubPreviewPublisher(
      { apiURL: 'http://169.254.169.254/api', tokenSecret: 'gh-token' },
      'status',
      secrets,
    );
    await expect(metadata.publish('shop', target, report('x'))).rejects.toMatchObject({ retry: false });
    const noToken = new GitHubPreviewPublisher(
      { apiURL: 'http://127.0.0.1:9', tokenSecret: 'absent' },
      'status',
      secrets,
      { guard },
    );
    await expect(noToken.publish('shop', target, report('x'))).rejects.toMatchObject({
      retry: false,
      message: 'GitHub preview: secret absent is not set',
    });
  });
});
