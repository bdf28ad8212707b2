import type { App } from '../../../shared/domain/app.js';
import { controlOf } from '../../../shared/control/deps.js';
import type { ControlDeps } from '../../../shared/control/deps.js';
import { silentLogger } from '../../../shared/ports/logger.js';
import { GitHubPreviewPublisher } from '../../../shared/preview/publish.js';
import { refusedChangedPath, runPreviewJob } from '../../../shared/preview/run-preview.js';
import { startGitHubStandIn } from '../../support/github-stand-in.js';

// Apps that name their paths (argocd.argoproj.io/manifest-generate-paths) are previewed only when
// the PR touches them, as pushes sync them; the PR's file list is the author's, so a path that is
// not a clean relative one (traversal, absolute, control characters) is refused and the app is
// previewed as if no list had come.
const sha = '1'.repeat(40);
const repoURL = 'https://github.com/acme/shop.git';
const app: App = {
  name: 'web',
  project: 'default',
  sources: [{ repoURL, path: 'apps/web', targetRevision: 'main' }],
  destination: { name: 'prod', namespace: 'web' },
  syncPolicy: {},
  ignoreDifferences: [],
  revisionHistoryLimit: 10,
  annotations: { 'argocd.argoproj.io/manifest-generate-paths': '.' },
};
const job = (number: number) => ({
  app: 'web',
  reason: 'preview' as const,
  requestedAt: 0,
  preview: {
    provider: 'github' as const,
    repoUrls: [repoURL],
    repo: 'acme/shop',
    number,
    headSha: sha,
    headRef: 'feature',
    baseRef: 'main',
    fork: false,
  },
});

describe('changed paths narrow previews only when they are clean', () => {
  test('clean relative paths pass; traversal, absolute, empty and control characters are refused', () => {
    expect(refusedChangedPath('apps/web/deploy.yaml')).toBeUndefined();
    for (const bad of [
      '../../etc/passwd',
      'apps/web/../../../x',
      '/etc/passwd',
      'a//b',
      './a',
      '',
      'a\nb',
      'a\\b',
      42,
    ])
      expect(refusedChangedPath(bad)).toBeDefined();
  });

  test('untouched: nothing posted; touched or a refused path: previewed', async () => {
    const gh = await startGitHubStandIn();
    try {
      gh.files.set(1, [{ filename: 'docs/readme.md' }]);
      gh.files.set(2, [{ filename: 'apps/web/deploy.yaml' }]);
      gh.files.set(3, [{ filename: 'docs/x.md' }, { filename: 'apps/web/../../../etc/passwd' }]);
      const store = {
        getApp: async () => app,
        getCluster: async () => undefined,
        getProject: async () => undefined,
      };
      const control = controlOf({ store, log: silentLogger } as unknown as ControlDeps);
      const publisher = new GitHubPreviewPublisher(
        { apiURL: `${gh.url}/api/v3`, tokenSecret: 't' },
        'status',
        { get: async () => 'ghs_x_token' },
        { guard: { allowedHosts: ['127.0.0.1/32'] } },
      );
      const deps = {
        control,
        settings: { forks: false, githubReport: 'status' as const, maxCommentBytes: 60_000 },
        publishers: { github: publisher },
      };
      expect(await runPreviewJob(deps, job(1))).toBe('not-affected');
      expect(gh.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        'GET /api/v3/repos/acme/shop/pulls/1/files?per_page=100&page=1',
      ]);
      // Touched: previewed (here the cluster is not registered, so the preview says so and fails).
      expect(await runPreviewJob(deps, job(2))).toBe('previewed');
      expect(await runPreviewJob(deps, job(3))).toBe('previewed');
      const statuses = gh.requests.filter((r) => r.path.includes('/statuses/'));
      expect(
        statuses.map((r) => (JSON.parse(r.body) as { state: string; description: string }).description),
      ).toEqual([
        'Preview failed: destination cluster prod is not registered',
        'Preview failed: destination cluster prod is not registered',
      ]);
      expect(gh.comments.map((c) => c.issue)).toEqual(['2', '3']);
    } finally {
      await gh.close();
    }
  });
});
