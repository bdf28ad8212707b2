import { parseGitLabWebhook } from '../../../shared/webhooks/gitlab.js';
import {
  deliveryId,
  fixtureBytes,
  gitlabPush,
  gitlabRequest,
  gitlabToken,
  webhookErrorOf,
} from './requests.js';

const body = fixtureBytes('gitlab-push.json');

const expected = {
  kind: 'push',
  event: {
    provider: 'gitlab',
    deliveryId,
    repoUrls: [
      'https://gitlab.example.com/platform/deploy-config.git',
      'git@gitlab.example.com:platform/deploy-config.git',
      'https://gitlab.example.com/platform/deploy-config',
    ],
    branch: 'main',
    sha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
    changedFiles: [
      'apps/api/kustomization.yaml',
      'apps/api/legacy-config.yaml',
      'apps/web/deployment.yaml',
      'apps/web/hpa.yaml',
    ],
  },
};

function deliveryIdOf(headers: Record<string, string | undefined>): string {
  const outcome = parseGitLabWebhook(gitlabRequest(body, 'Push Hook', headers), gitlabToken);
  if (outcome.kind !== 'push') throw new Error(outcome.kind === 'ignored' ? outcome.reason : outcome.kind);
  return outcome.event.deliveryId;
}

describe('a GitLab Push Hook with the right token', () => {
  test('becomes a PushEvent with the project URLs, branch, checkout SHA and changed files', () => {
    expect(parseGitLabWebhook(gitlabRequest(body), gitlabToken)).toEqual(expected);
  });

  test('accepts a 64-digit SHA-256 commit id', () => {
    const sha = 'ab'.repeat(32);
    const outcome = parseGitLabWebhook(
      gitlabRequest(gitlabPush({ checkout_sha: sha, after: sha })),
      gitlabToken,
    );

    expect(outcome.kind === 'push' && outcome.event.sha).toBe(sha);
  });

  test('takes its delivery id from Idempotency-Key, then X-Gitlab-Event-UUID, then X-Gitlab-Webhook-UUID', () => {
    expect(deliveryIdOf({})).toBe(deliveryId);
    expect(deliveryIdOf({ 'idempotency-key': undefined })).toBe('a8e1e5f4-6a5f-4a62-9b7e-2f1c3e6d0b11');
    expect(deliveryIdOf({ 'idempotency-key': undefined, 'x-gitlab-event-uuid': undefined })).toBe(
      '3c5c0404-c866-44bc-a5f6-452bb1bfc76e',
    );
  });

  test('without any delivery id header is refused with 400', () => {
    const req = gitlabRequest(body, 'Push Hook', {
      'idempotency-key': undefined,
      'x-gitlab-event-uuid': undefined,
      'x-gitlab-webhook-uuid': undefined,
    });
    const err = webhookErrorOf(() => parseGitLabWebhook(req, gitlabToken));

    expect([err.httpStatus, err.message]).toEqual([
      400,
      'Idempotency-Key, X-Gitlab-Event-UUID, X-Gitlab-Webhook-UUID headers are missing',
    ]);
  });

  test('sent as an instance System Hook is read the same way', () => {
    const outcome = parseGitLabWebhook(gitlabRequest(body, 'System Hook'), gitlabToken);

    expect(outcome).toEqual(expected);
  });
});
