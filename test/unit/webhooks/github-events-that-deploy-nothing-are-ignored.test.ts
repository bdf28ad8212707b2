import { parseGitHubWebhook } from '../../../shared/webhooks/github.js';
import { fixtureBytes, githubPush, githubRequest, githubSecret } from './requests.js';

function outcomeOf(body: Buffer | string | object, event = 'push') {
  return parseGitHubWebhook(githubRequest(body, event), githubSecret);
}

describe('signed GitHub events that deploy nothing come back ignored (to be answered 2xx)', () => {
  test('ping', () => {
    expect(outcomeOf(fixtureBytes('github-ping.json'), 'ping')).toEqual({ kind: 'ignored', reason: 'ping' });
  });

  test('a tag push', () => {
    expect(outcomeOf(fixtureBytes('github-tag-push.json'))).toEqual({ kind: 'ignored', reason: 'tag push' });
  });

  test('a tag delete', () => {
    const push = { ...githubPush({ ref: 'refs/tags/v1', deleted: true, after: '0'.repeat(40) }) };

    expect(outcomeOf(push)).toEqual({ kind: 'ignored', reason: 'tag push' });
  });

  test('a branch delete', () => {
    expect(outcomeOf(fixtureBytes('github-branch-delete.json'))).toEqual({
      kind: 'ignored',
      reason: 'branch deleted',
    });
  });

  test('a branch delete told only by the all-zero after SHA', () => {
    const push = githubPush({ deleted: undefined, after: '0'.repeat(40) });

    expect(outcomeOf(push)).toEqual({ kind: 'ignored', reason: 'branch deleted' });
  });

  test('a push to a ref that is not a branch', () => {
    expect(outcomeOf(githubPush({ ref: 'refs/pull/7/head' }))).toEqual({
      kind: 'ignored',
      reason: 'ref refs/pull/7/head is not a branch',
    });
  });

  test('an event Gitferry does not handle, without its body being read', () => {
    expect(outcomeOf('not even JSON', 'issues')).toEqual({
      kind: 'ignored',
      reason: 'event issues is not handled',
    });
  });

  test('ping without its body being read', () => {
    expect(outcomeOf('{"__proto__": 1', 'ping')).toEqual({ kind: 'ignored', reason: 'ping' });
  });
});
