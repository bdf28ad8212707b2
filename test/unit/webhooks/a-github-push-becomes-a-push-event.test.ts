import { parseGitHubWebhook } from '../../../shared/webhooks/github.js';
import { deliveryId, fixtureBytes, githubPush, githubRequest, githubSecret } from './requests.js';

const expected = {
  kind: 'push',
  event: {
    provider: 'github',
    deliveryId,
    repoUrls: [
      'https://github.com/acme/deploy-config.git',
      'https://github.com/acme/deploy-config',
      'git@github.com:acme/deploy-config.git',
    ],
    branch: 'main',
    sha: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c',
    changedFiles: [
      'apps/api/kustomization.yaml',
      'apps/api/legacy-config.yaml',
      'apps/web/deployment.yaml',
      'apps/web/hpa.yaml',
    ],
  },
};

describe('a signed GitHub push to a branch', () => {
  test('becomes a PushEvent with the repo URLs, branch, head SHA and changed files', () => {
    expect(parseGitHubWebhook(githubRequest(fixtureBytes('github-push.json')), githubSecret)).toEqual(
      expected,
    );
  });

  test('sent as a form post (application/x-www-form-urlencoded) reads the payload field', () => {
    const form = Buffer.from(
      new URLSearchParams({ payload: fixtureBytes('github-push.json').toString() }).toString(),
    );
    const req = githubRequest(form, 'push', {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
    });

    expect(parseGitHubWebhook(req, githubSecret)).toEqual(expected);
  });

  test('keeps slashes in branch names and lower-cases the SHA', () => {
    const push = githubPush({
      ref: 'refs/heads/release/2024.05',
      after: 'ABCDEF0123456789ABCDEF0123456789ABCDEF01',
    });
    const outcome = parseGitHubWebhook(githubRequest(push), githubSecret);

    expect(outcome.kind === 'push' && [outcome.event.branch, outcome.event.sha]).toEqual([
      'release/2024.05',
      'abcdef0123456789abcdef0123456789abcdef01',
    ]);
  });

  test('lists each repository URL once, whichever are present', () => {
    const repository = { clone_url: 'https://ghe.example/a/b.git', html_url: 'https://ghe.example/a/b.git' };
    const outcome = parseGitHubWebhook(githubRequest(githubPush({ repository })), githubSecret);

    expect(outcome.kind === 'push' && outcome.event.repoUrls).toEqual(['https://ghe.example/a/b.git']);
  });
});
