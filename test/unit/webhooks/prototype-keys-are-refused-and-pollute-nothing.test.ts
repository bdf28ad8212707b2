import { parseGitHubWebhook } from '../../../shared/webhooks/github.js';
import { parseGitLabWebhook } from '../../../shared/webhooks/gitlab.js';
import {
  fixtureBytes,
  githubRequest,
  githubSecret,
  gitlabRequest,
  gitlabToken,
  webhookErrorOf,
} from './requests.js';

/** The fixture text with `insert` spliced in right after the first occurrence of `at`. */
function pushWith(name: string, insert: string, at = '{'): string {
  const text = fixtureBytes(name).toString('utf8');
  const i = text.indexOf(at) + at.length;
  return `${text.slice(0, i)}${insert}${text.slice(i)}`;
}

afterEach(() => {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty('polluted');
});

describe('a signed payload with a prototype key anywhere is refused with 400', () => {
  test.each([
    ['__proto__ at the top', pushWith('github-push.json', '"__proto__": {"polluted": true},'), '__proto__'],
    [
      '__proto__ inside a commit',
      pushWith('github-push.json', '"__proto__": {"polluted": true},', '"commits": [\n    {'),
      '__proto__',
    ],
    [
      'constructor.prototype inside the repository',
      pushWith('github-push.json', '"constructor": {"prototype": {"polluted": true}},', '"repository": {'),
      'prototype',
    ],
    [
      '__proto__ written with an escape',
      pushWith('github-push.json', '"\\u005f_proto__": {"polluted": true},'),
      '__proto__',
    ],
  ])('GitHub: %s', (_case, body, key) => {
    const err = webhookErrorOf(() => parseGitHubWebhook(githubRequest(body), githubSecret));

    expect([err.httpStatus, err.message]).toEqual([400, `GitHub push payload: key "${key}" is not allowed`]);
  });

  test('GitLab: __proto__ inside the project', () => {
    const body = pushWith('gitlab-push.json', '"__proto__": {"polluted": true},', '"project": {');
    const err = webhookErrorOf(() => parseGitLabWebhook(gitlabRequest(body), gitlabToken));

    expect([err.httpStatus, err.message]).toEqual([
      400,
      'GitLab push payload: key "__proto__" is not allowed',
    ]);
  });

  test('the same keys as values are fine', () => {
    const body = pushWith('github-push.json', '"note": ["__proto__", "constructor", "prototype"],');

    expect(parseGitHubWebhook(githubRequest(body), githubSecret).kind).toBe('push');
  });
});
