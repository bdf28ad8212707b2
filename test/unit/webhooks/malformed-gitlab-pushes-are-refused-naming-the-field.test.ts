import { parseGitLabWebhook } from '../../../shared/webhooks/gitlab.js';
import { gitlabPush, gitlabRequest, gitlabToken, webhookErrorOf } from './requests.js';

describe('a GitLab Push Hook with a malformed payload is refused with 400 naming the field', () => {
  test.each<[string, object, string]>([
    ['ref is null', gitlabPush({ ref: null }), 'ref must be a string'],
    ['checkout_sha is a number', gitlabPush({ checkout_sha: 12 }), 'checkout_sha must be a string'],
    ['checkout_sha is missing', gitlabPush({ checkout_sha: undefined }), 'checkout_sha is missing'],
    [
      'checkout_sha is short',
      gitlabPush({ checkout_sha: 'da15608' }),
      'checkout_sha must be a 40 or 64-digit hex commit SHA',
    ],
    ['project is missing', gitlabPush({ project: undefined }), 'project is missing'],
    ['project is a list', gitlabPush({ project: [] }), 'project must be an object'],
    [
      'project has no URL',
      gitlabPush({ project: { id: 15 } }),
      'project has none of git_http_url, git_ssh_url, web_url',
    ],
    [
      'total_commits_count is a string',
      gitlabPush({ total_commits_count: '2' }),
      'total_commits_count must be a non-negative integer',
    ],
    [
      'a modified path is null',
      gitlabPush({ commits: [{ added: [], modified: [null], removed: [] }] }),
      'commits[0].modified[0] must be a string',
    ],
  ])('%s', (_case, body, problem) => {
    const err = webhookErrorOf(() => parseGitLabWebhook(gitlabRequest(body), gitlabToken));

    expect([err.httpStatus, err.code]).toEqual([400, 'webhook:bad-payload']);
    expect(err.message).toBe(`GitLab push payload: ${problem}`);
  });

  test('a System Hook without object_kind', () => {
    const err = webhookErrorOf(() => parseGitLabWebhook(gitlabRequest({}, 'System Hook'), gitlabToken));

    expect([err.httpStatus, err.message]).toEqual([
      400,
      'GitLab system hook payload: object_kind is missing',
    ]);
  });

  test.each([
    [{ 'x-gitlab-event': undefined }, 'X-Gitlab-Event header is missing'],
    [{ 'x-gitlab-event': 'Push Hook\n' }, 'X-Gitlab-Event header is not an event name'],
  ])('a bad X-Gitlab-Event header', (headers, message) => {
    const err = webhookErrorOf(() =>
      parseGitLabWebhook(gitlabRequest(gitlabPush(), 'Push Hook', headers), gitlabToken),
    );

    expect([err.httpStatus, err.message]).toEqual([400, message]);
  });
});
