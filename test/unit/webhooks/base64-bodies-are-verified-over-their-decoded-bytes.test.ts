import { parseGitHubWebhook } from '../../../shared/webhooks/github.js';
import { decodeLambdaBody } from '../../../shared/webhooks/request.js';
import { githubPush, githubRequest, githubSecret, signGitHub, webhookErrorOf } from './requests.js';

const maxBytes = 1024 * 1024;

// Pretty-printed, with non-ASCII text and a \u escape: re-serialising the parsed JSON would change
// the bytes, so only a signature checked over the bytes as sent can verify.
const body = Buffer.from(
  JSON.stringify(githubPush({ note: 'caf\u00e9 \u2713 \\u00e9' }), null, 2).replace('"note"', '"n\\u006fte"'),
  'utf8',
);

describe('a base64-encoded body (API Gateway, Function URL)', () => {
  test('decodes to the bytes that were sent', () => {
    expect(decodeLambdaBody(body.toString('base64'), true, maxBytes).equals(body)).toBe(true);
  });

  test('is verified over the decoded bytes and accepted', () => {
    const signed = githubRequest(body);
    const req = { ...signed, body: decodeLambdaBody(body.toString('base64'), true, maxBytes) };

    expect(parseGitHubWebhook(req, githubSecret).kind).toBe('push');
  });

  test('is not accepted when signed over the base64 text instead', () => {
    const base64 = body.toString('base64');
    const req = {
      ...githubRequest(body, 'push', { 'x-hub-signature-256': signGitHub(Buffer.from(base64)) }),
      body: decodeLambdaBody(base64, true, maxBytes),
    };

    expect(webhookErrorOf(() => parseGitHubWebhook(req, githubSecret)).httpStatus).toBe(401);
  });

  test('a signature over the re-serialised JSON does not verify the bytes as sent', () => {
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(body.toString('utf8'))));
    const req = githubRequest(body, 'push', { 'x-hub-signature-256': signGitHub(reserialised) });

    expect(reserialised.equals(body)).toBe(false);
    expect(webhookErrorOf(() => parseGitHubWebhook(req, githubSecret)).httpStatus).toBe(401);
  });

  test('a plain text body is taken as its UTF-8 bytes', () => {
    const text = body.toString('utf8');

    expect(decodeLambdaBody(text, false, maxBytes).equals(body)).toBe(true);
  });

  test('no body is an empty Buffer', () => {
    expect(decodeLambdaBody(undefined, false, maxBytes).length).toBe(0);
    expect(decodeLambdaBody('', true, maxBytes).length).toBe(0);
  });
});
