import { parseGitHubWebhook } from '../../../shared/webhooks/github.js';
import { fixture, githubPush, githubRequest, githubSecret, webhookErrorOf } from './requests.js';

function refusal(body: Buffer | string | object, headers: Record<string, string | undefined> = {}) {
  return webhookErrorOf(() => parseGitHubWebhook(githubRequest(body, 'push', headers), githubSecret));
}

function withCommits(commits: unknown) {
  return githubPush({ commits });
}

describe('a signed GitHub push with a malformed payload is refused with 400 naming the field', () => {
  test.each<[string, object, string]>([
    ['ref is null', githubPush({ ref: null }), 'ref must be a string'],
    ['ref is a number', githubPush({ ref: 42 }), 'ref must be a string'],
    ['ref is missing', githubPush({ ref: undefined }), 'ref is missing'],
    [
      'ref has a newline',
      githubPush({ ref: 'refs/heads/main\nrm -rf /' }),
      'ref must be a git ref without control characters, at most 1024 characters',
    ],
    ['after is short', githubPush({ after: '0d1a26e' }), 'after must be a 40-digit hex commit SHA'],
    ['after is not hex', githubPush({ after: 'z'.repeat(40) }), 'after must be a 40-digit hex commit SHA'],
    ['after is an object', githubPush({ after: {} }), 'after must be a string'],
    ['before is not hex', githubPush({ before: 'main' }), 'before must be a 40-digit hex commit SHA'],
    ['repository is missing', githubPush({ repository: undefined }), 'repository is missing'],
    ['repository is a string', githubPush({ repository: 'acme/x' }), 'repository must be an object'],
    [
      'repository has no URL',
      githubPush({ repository: { name: 'x' } }),
      'repository has none of clone_url, html_url, ssh_url',
    ],
    [
      'repository.clone_url is a number',
      githubPush({ repository: { ...(fixture('github-push.json').repository as object), clone_url: 1 } }),
      'repository.clone_url must be a string',
    ],
    ['deleted is a string', githubPush({ deleted: 'yes' }), 'deleted must be true or false'],
    ['forced is a number', githubPush({ forced: 1 }), 'forced must be true or false'],
    ['commits is an object', withCommits({}), 'commits must be an array'],
    ['a commit is null', withCommits([null]), 'commits[0] must be an object'],
    [
      'added is a string',
      withCommits([{ added: 'a.yaml', modified: [], removed: [] }]),
      'commits[0].added must be an array',
    ],
    [
      'a removed path is a number',
      withCommits([
        { added: [], modified: [], removed: [] },
        { added: [], modified: [], removed: ['a', 7] },
      ]),
      'commits[1].removed[1] must be a string',
    ],
  ])('%s', (_case, body, problem) => {
    const err = refusal(body);

    expect([err.httpStatus, err.code]).toEqual([400, 'webhook:bad-payload']);
    expect(err.message).toBe(`GitHub push payload: ${problem}`);
  });

  test.each([
    ['not JSON', '{"ref": "refs/heads/main",', 'GitHub push payload: body is not valid JSON'],
    ['not UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'GitHub push payload: body is not valid UTF-8'],
    ['an array', '[1, 2]', 'GitHub push payload: body must be an object'],
    ['null', 'null', 'GitHub push payload: body must be an object'],
    ['a form post without payload', 'other=1', 'GitHub push payload: form body has no payload field'],
  ])('a body that is %s', (name, body, message) => {
    const headers = name.startsWith('a form') ? { 'content-type': 'application/x-www-form-urlencoded' } : {};
    const err = refusal(body, headers);

    expect([err.httpStatus, err.message]).toEqual([400, message]);
  });

  test.each([
    ['X-GitHub-Delivery', { 'x-github-delivery': undefined }, 'X-GitHub-Delivery header is missing'],
    [
      'X-GitHub-Delivery',
      { 'x-github-delivery': 'has space' },
      'X-GitHub-Delivery header must be 1-128 printable characters',
    ],
    [
      'X-GitHub-Delivery',
      { 'x-github-delivery': 'x'.repeat(129) },
      'X-GitHub-Delivery header must be 1-128 printable characters',
    ],
    ['X-GitHub-Event', { 'x-github-event': undefined }, 'X-GitHub-Event header is missing'],
    [
      'X-GitHub-Event',
      { 'x-github-event': 'push\r\nX-Evil: 1' },
      'X-GitHub-Event header is not an event name',
    ],
  ])('a bad %s header', (_name, headers, message) => {
    const err = refusal(githubPush(), headers);

    expect([err.httpStatus, err.code, err.message]).toEqual([400, 'webhook:bad-header', message]);
  });
});
