import { parseGitHubWebhook, verifyGitHubSignature } from '../../../shared/webhooks/github.js';

// https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
const secret = "It's a Secret to Everybody";
const payload = Buffer.from('Hello, World!', 'utf8');
const signature = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

describe("GitHub's documented test vector", () => {
  test('verifies', () => {
    expect(() => verifyGitHubSignature(payload, signature, secret)).not.toThrow();
  });

  test('verifies with the hex in upper case and whitespace around the header', () => {
    const upper = `sha256=${signature.slice('sha256='.length).toUpperCase()} `;

    expect(() => verifyGitHubSignature(payload, upper, secret)).not.toThrow();
  });

  test('gets through the whole parser to the event header', () => {
    const outcome = parseGitHubWebhook(
      {
        body: payload,
        headers: { 'X-Hub-Signature-256': signature, 'X-GitHub-Delivery': 'd-1', 'X-GitHub-Event': 'ping' },
      },
      secret,
    );

    expect(outcome).toEqual({ kind: 'ignored', reason: 'ping' });
  });
});
