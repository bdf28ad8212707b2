import { parseWebhook } from '../../../shared/webhooks/detect.js';
import { WebhookError } from '../../../shared/webhooks/types.js';
import { githubRequest, githubSecret, gitlabRequest, gitlabToken } from './requests.js';

const secrets = { github: githubSecret, gitlab: gitlabToken };
const sha = 'c'.repeat(40);

const githubPr = (over: { action?: string; head?: Record<string, unknown>; number?: unknown } = {}) => ({
  action: over.action ?? 'opened',
  number: 7,
  pull_request: {
    number: over.number ?? 7,
    html_url: 'https://github.com/acme/shop/pull/7',
    head: { sha, ref: 'feature', repo: { full_name: 'acme/shop' }, ...over.head },
    base: { ref: 'main', repo: { full_name: 'acme/shop', clone_url: 'https://github.com/acme/shop.git' } },
  },
});

const gitlabMr = (attrs: Record<string, unknown> = {}) => ({
  object_kind: 'merge_request',
  project: {
    id: 42,
    git_http_url: 'https://gitlab.com/acme/shop.git',
    web_url: 'https://gitlab.com/acme/shop',
  },
  object_attributes: {
    iid: 3,
    action: 'open',
    source_branch: 'feature',
    target_branch: 'main',
    source_project_id: 42,
    target_project_id: 42,
    last_commit: { id: sha },
    url: 'https://gitlab.com/acme/shop/-/merge_requests/3',
    ...attrs,
  },
});

describe('pull and merge requests become preview events', () => {
  test('a GitHub pull_request opened, synchronize or reopened is a pull-request outcome', () => {
    for (const action of ['opened', 'synchronize', 'reopened']) {
      const out = parseWebhook(githubRequest(githubPr({ action }), 'pull_request'), secrets);
      expect(out).toEqual({
        kind: 'pull-request',
        event: {
          provider: 'github',
          deliveryId: expect.any(String),
          action,
          repoUrls: ['https://github.com/acme/shop.git'],
          repo: 'acme/shop',
          number: 7,
          headSha: sha,
          headRef: 'feature',
          baseRef: 'main',
          fork: false,
          url: 'https://github.com/acme/shop/pull/7',
        },
      });
    }
  });

  test('other actions are ignored; a head in another repository (or a deleted one) is a fork', () => {
    expect(parseWebhook(githubRequest(githubPr({ action: 'closed' }), 'pull_request'), secrets)).toEqual({
      kind: 'ignored',
      reason: 'pull_request closed is not previewed',
    });
    const fork = parseWebhook(
      githubRequest(githubPr({ head: { repo: { full_name: 'mallory/shop' } } }), 'pull_request'),
      secrets,
    );
    expect(fork.kind === 'pull-request' && fork.event.fork).toBe(true);
    const gone = parseWebhook(githubRequest(githubPr({ head: { repo: null } }), 'pull_request'), secrets);
    expect(gone.kind === 'pull-request' && gone.event.fork).toBe(true);
  });

  test('signatures are checked as for pushes, and attacker fields are refused naming them', () => {
    const req = githubRequest(githubPr(), 'pull_request');
    expect(() =>
      parseWebhook({ ...req, body: Buffer.from(req.body.toString().replace('feature', 'featurf')) }, secrets),
    ).toThrow(expect.objectContaining({ httpStatus: 401 }));
    const bad = (over: Parameters<typeof githubPr>[0]) => {
      try {
        parseWebhook(githubRequest(githubPr(over), 'pull_request'), secrets);
      } catch (err) {
        expect(err).toBeInstanceOf(WebhookError);
        return (err as WebhookError).message;
      }
      throw new Error('accepted');
    };
    expect(bad({ head: { sha: '--upload-pack=touch /tmp/x' } })).toBe(
      'GitHub pull_request payload: pull_request.head.sha must be a 40-digit hex commit SHA',
    );
    expect(bad({ head: { ref: 'x\n--upload-pack=y' } })).toMatch(
      /pull_request.head.ref must be a git ref without control characters/,
    );
    expect(bad({ number: -1 })).toMatch(/pull_request.number must be a non-negative integer/);
    // A branch named like an option is a valid ref: it is carried as data, never fetched by name.
    const named = parseWebhook(
      githubRequest(githubPr({ head: { ref: '--upload-pack=touch-pwned' } }), 'pull_request'),
      secrets,
    );
    expect(named.kind === 'pull-request' && named.event.headRef).toBe('--upload-pack=touch-pwned');
  });

  test('a GitLab merge request open, reopen or update with new commits is previewed; the rest ignored', () => {
    const out = parseWebhook(gitlabRequest(gitlabMr(), 'Merge Request Hook'), secrets);
    expect(out).toMatchObject({
      kind: 'pull-request',
      event: {
        provider: 'gitlab',
        repo: '42',
        number: 3,
        headSha: sha,
        headRef: 'feature',
        baseRef: 'main',
        fork: false,
      },
    });
    expect(
      parseWebhook(gitlabRequest(gitlabMr({ action: 'update' }), 'Merge Request Hook'), secrets),
    ).toEqual({
      kind: 'ignored',
      reason: 'merge request update without new commits',
    });
    const update = parseWebhook(
      gitlabRequest(gitlabMr({ action: 'update', oldrev: 'd'.repeat(40) }), 'Merge Request Hook'),
      secrets,
    );
    expect(update.kind).toBe('pull-request');
    expect(parseWebhook(gitlabRequest(gitlabMr({ action: 'merge' }), 'Merge Request Hook'), secrets)).toEqual(
      {
        kind: 'ignored',
        reason: 'merge request merge is not previewed',
      },
    );
    const fork = parseWebhook(
      gitlabRequest(gitlabMr({ source_project_id: 99 }), 'Merge Request Hook'),
      secrets,
    );
    expect(fork.kind === 'pull-request' && fork.event.fork).toBe(true);
    expect(() =>
      parseWebhook(gitlabRequest(gitlabMr(), 'Merge Request Hook', { 'x-gitlab-token': 'wrong' }), secrets),
    ).toThrow(expect.objectContaining({ httpStatus: 401 }));
  });
});
