import { parseGitLabWebhook, verifyGitLabToken } from '../../../shared/webhooks/gitlab.js';
import { fixtureBytes, gitlabRequest, gitlabToken, webhookErrorOf } from './requests.js';

const body = fixtureBytes('gitlab-push.json');

function refusal(token: string | undefined, configured = gitlabToken) {
  const req = gitlabRequest(body, 'Push Hook', { 'x-gitlab-token': token });
  return webhookErrorOf(() => parseGitLabWebhook(req, configured));
}

describe('a GitLab webhook is accepted only with the configured X-Gitlab-Token', () => {
  test('the right token is accepted', () => {
    expect(parseGitLabWebhook(gitlabRequest(body), gitlabToken).kind).toBe('push');
  });

  test.each([
    ['a wrong token of the same length', gitlabToken.replace(/.$/, 'X'), 'X-Gitlab-Token does not match'],
    ['a prefix of the token', gitlabToken.slice(0, 5), 'X-Gitlab-Token does not match'],
    ['the token with more after it', `${gitlabToken}-and-more`, 'X-Gitlab-Token does not match'],
    [
      'a much longer token (no throw from timingSafeEqual)',
      'x'.repeat(10_000),
      'X-Gitlab-Token does not match',
    ],
    ['non-ASCII text', '\u00e9\u2713', 'X-Gitlab-Token does not match'],
    ['a missing header', undefined, 'X-Gitlab-Token header is missing'],
    ['an empty header', '', 'X-Gitlab-Token header is missing'],
  ])('%s is refused with 401', (_case, token, message) => {
    const err = refusal(token);

    expect([err.httpStatus, err.code, err.message]).toEqual([401, 'webhook:bad-token', message]);
  });

  test('an empty configured token accepts nothing, not even an empty header', () => {
    expect(() => verifyGitLabToken('', '')).toThrow('GitLab webhook token is not configured');
    expect(refusal('', '').httpStatus).toBe(401);
  });

  test('the token is checked before headers and body: bad JSON and no delivery id with a bad token is 401', () => {
    const req = gitlabRequest('{not json', 'Push Hook', {
      'x-gitlab-token': 'wrong',
      'idempotency-key': undefined,
      'x-gitlab-event-uuid': undefined,
      'x-gitlab-webhook-uuid': undefined,
    });

    expect(webhookErrorOf(() => parseGitLabWebhook(req, gitlabToken)).httpStatus).toBe(401);
  });

  test('messages never contain either token', () => {
    const err = refusal('a-guess');

    expect(err.message).not.toContain(gitlabToken);
    expect(err.message).not.toContain('a-guess');
  });
});
