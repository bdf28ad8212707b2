import { detectProvider, parseWebhook } from '../../../shared/webhooks/detect.js';
import {
  fixtureBytes,
  githubRequest,
  githubSecret,
  gitlabRequest,
  gitlabToken,
  webhookErrorOf,
} from './requests.js';

const secrets = { github: githubSecret, gitlab: gitlabToken };
const githubPushRequest = githubRequest(fixtureBytes('github-push.json'));
const gitlabPushRequest = gitlabRequest(fixtureBytes('gitlab-push.json'));

describe('parseWebhook', () => {
  test('reads a GitHub push as GitHub and a GitLab push as GitLab', () => {
    const github = parseWebhook(githubPushRequest, secrets);
    const gitlab = parseWebhook(gitlabPushRequest, secrets);

    expect(github.kind === 'push' && github.event.provider).toBe('github');
    expect(gitlab.kind === 'push' && gitlab.event.provider).toBe('gitlab');
  });

  test('recognises headers in any case', () => {
    const headers = Object.fromEntries(
      Object.entries(githubPushRequest.headers).map(([k, v]) => [k.toUpperCase(), v]),
    );

    expect(parseWebhook({ ...githubPushRequest, headers }, secrets).kind).toBe('push');
  });

  test('refuses a provider with no secret configured with 401, even if the other has one', () => {
    const github = webhookErrorOf(() => parseWebhook(githubPushRequest, { gitlab: gitlabToken }));
    const gitlab = webhookErrorOf(() =>
      parseWebhook(gitlabPushRequest, { github: githubSecret, gitlab: '' }),
    );

    expect([github.httpStatus, github.code, github.message]).toEqual([
      401,
      'webhook:no-secret',
      'GitHub webhook secret is not configured; unsigned webhooks are refused',
    ]);
    expect([gitlab.httpStatus, gitlab.message]).toEqual([
      401,
      'GitLab webhook secret is not configured; unsigned webhooks are refused',
    ]);
  });

  test('refuses an unsigned GitHub push when only GitLab is configured, whatever its body', () => {
    const req = {
      headers: { 'x-github-event': 'push', 'x-github-delivery': 'd' },
      body: fixtureBytes('github-push.json'),
    };

    expect(webhookErrorOf(() => parseWebhook(req, { gitlab: gitlabToken })).httpStatus).toBe(401);
  });

  test('refuses a request from no known provider with 400', () => {
    const err = webhookErrorOf(() =>
      parseWebhook({ headers: { 'x-gitea-event': 'push' }, body: Buffer.from('{}') }, secrets),
    );

    expect([err.httpStatus, err.code, err.message]).toEqual([
      400,
      'webhook:unknown-provider',
      'webhook provider not recognised; expected X-GitHub-Event or X-Gitlab-Event',
    ]);
  });

  test('refuses a request with both GitHub and GitLab headers with 400', () => {
    const req = {
      ...githubPushRequest,
      headers: { ...githubPushRequest.headers, 'x-gitlab-token': gitlabToken },
    };

    expect(() => detectProvider(req)).toThrow(
      'webhook provider ambiguous: it has both GitHub and GitLab headers',
    );
  });

  test('passes limits on to the provider parser', () => {
    expect(webhookErrorOf(() => parseWebhook(githubPushRequest, secrets, { maxDepth: 2 })).httpStatus).toBe(
      400,
    );
  });
});
