import { parseGitLabWebhook } from '../../../shared/webhooks/gitlab.js';
import { fixtureBytes, gitlabPush, gitlabRequest, gitlabToken } from './requests.js';

function outcomeOf(body: Buffer | string | object, event = 'Push Hook') {
  return parseGitLabWebhook(gitlabRequest(body, event), gitlabToken);
}

describe('GitLab events that deploy nothing come back ignored (GitLab disables hooks after repeated 4xx)', () => {
  test('a Tag Push Hook, without its body being read', () => {
    expect(outcomeOf(fixtureBytes('gitlab-tag-push.json'), 'Tag Push Hook')).toEqual({
      kind: 'ignored',
      reason: 'tag push',
    });
    expect(outcomeOf('not JSON', 'Tag Push Hook')).toEqual({ kind: 'ignored', reason: 'tag push' });
  });

  test('a branch delete (checkout_sha null)', () => {
    expect(outcomeOf(fixtureBytes('gitlab-branch-delete.json'))).toEqual({
      kind: 'ignored',
      reason: 'branch deleted',
    });
  });

  test('a tag ref in a Push Hook', () => {
    expect(outcomeOf(gitlabPush({ ref: 'refs/tags/v2' }))).toEqual({ kind: 'ignored', reason: 'tag push' });
  });

  test('a ref that is not a branch', () => {
    expect(outcomeOf(gitlabPush({ ref: 'refs/merge-requests/3/head' }))).toEqual({
      kind: 'ignored',
      reason: 'ref refs/merge-requests/3/head is not a branch',
    });
  });

  test('a System Hook tag push or other system event', () => {
    expect(outcomeOf(fixtureBytes('gitlab-tag-push.json'), 'System Hook')).toEqual({
      kind: 'ignored',
      reason: 'tag push',
    });
    expect(outcomeOf({ object_kind: 'user_create' }, 'System Hook')).toEqual({
      kind: 'ignored',
      reason: 'system hook user_create is not handled',
    });
  });

  test('an event Gitferry does not handle, without its body being read', () => {
    expect(outcomeOf('not JSON', 'Issue Hook')).toEqual({
      kind: 'ignored',
      reason: 'event Issue Hook is not handled',
    });
  });
});
