import { parseGitHubWebhook } from '../../../shared/webhooks/github.js';
import { fixtureBytes, githubRequest, githubSecret, signGitHub, webhookErrorOf } from './requests.js';

const body = fixtureBytes('github-push.json');

function refusal(headers: Record<string, string | undefined>, requestBody = body, secret = githubSecret) {
  const req = githubRequest(requestBody, 'push', headers);
  return webhookErrorOf(() => parseGitHubWebhook(req, secret));
}

describe('a GitHub webhook without a good X-Hub-Signature-256 is refused with 401', () => {
  test('the same request, correctly signed, is accepted', () => {
    expect(parseGitHubWebhook(githubRequest(body), githubSecret).kind).toBe('push');
  });

  test('one flipped body byte', () => {
    const flipped = Buffer.from(body);
    flipped[100] = flipped[100]! ^ 0x01;
    const err = webhookErrorOf(() =>
      parseGitHubWebhook({ ...githubRequest(body), body: flipped }, githubSecret),
    );

    expect([err.httpStatus, err.code]).toEqual([401, 'webhook:bad-signature']);
    expect(err.message).toBe('X-Hub-Signature-256 does not match the body');
  });

  test('a signature made with another secret', () => {
    const err = refusal({ 'x-hub-signature-256': signGitHub(body, 'another secret') });

    expect([err.httpStatus, err.message]).toEqual([401, 'X-Hub-Signature-256 does not match the body']);
  });

  test('only a SHA-1 X-Hub-Signature', () => {
    const sha1 = 'sha1=7d38cdd689735b008b3c702edd92eea23791c5f6';
    const err = refusal({ 'x-hub-signature-256': undefined, 'x-hub-signature': sha1 });

    expect([err.httpStatus, err.message]).toEqual([
      401,
      'X-Hub-Signature-256 header is missing; SHA-1 signatures (X-Hub-Signature) are not accepted',
    ]);
  });

  test('a sha1= value in X-Hub-Signature-256', () => {
    const err = refusal({ 'x-hub-signature-256': 'sha1=7d38cdd689735b008b3c702edd92eea23791c5f6' });

    expect([err.httpStatus, err.message]).toEqual([
      401,
      'X-Hub-Signature-256 header must be sha256= and 64 hex digits',
    ]);
  });

  test.each([
    ['truncated', signGitHub(body).slice(0, -2)],
    ['too long', `${signGitHub(body)}00`],
    ['non-hex', `${signGitHub(body).slice(0, -1)}g`],
    ['without the sha256= prefix', signGitHub(body).slice('sha256='.length)],
    ['empty', ''],
  ])('a %s signature', (_name, signature) => {
    const err = refusal({ 'x-hub-signature-256': signature });

    expect([err.httpStatus, err.code]).toEqual([401, 'webhook:bad-signature']);
  });

  test('a missing header', () => {
    const err = refusal({ 'x-hub-signature-256': undefined });

    expect([err.httpStatus, err.message]).toEqual([401, 'X-Hub-Signature-256 header is missing']);
  });

  test('an empty configured secret accepts nothing, not even a signature made with it', () => {
    const err = refusal({ 'x-hub-signature-256': signGitHub(body, '') }, body, '');

    expect([err.httpStatus, err.code]).toEqual([401, 'webhook:no-secret']);
  });

  test('the signature is checked before the body is read: bad JSON with a bad signature is 401, not 400', () => {
    const err = refusal({ 'x-hub-signature-256': signGitHub(body) }, Buffer.from('{not json'));

    expect(err.httpStatus).toBe(401);
  });

  test('the signature is checked before the delivery and event headers', () => {
    const err = refusal({
      'x-hub-signature-256': signGitHub(body, 'another secret'),
      'x-github-delivery': undefined,
      'x-github-event': undefined,
    });

    expect(err.httpStatus).toBe(401);
  });

  test('messages never contain the secret or the signature', () => {
    const sent = signGitHub(body, 'another secret');
    const err = refusal({ 'x-hub-signature-256': sent });

    expect(err.message).not.toContain(githubSecret);
    expect(err.message).not.toContain(sent.slice('sha256='.length));
  });
});
