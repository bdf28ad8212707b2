import { jest } from '@jest/globals';

import type * as Crypto from 'node:crypto';

// Wraps createHmac so a test can tell whether any HMAC was computed.
const realCrypto = await import('node:crypto');
const createHmac = jest.fn(realCrypto.createHmac) as unknown as jest.Mock<typeof Crypto.createHmac>;
jest.unstable_mockModule('node:crypto', () => ({ ...realCrypto, default: realCrypto, createHmac }));

const { parseGitHubWebhook } = await import('../../../shared/webhooks/github.js');
const { parseWebhook } = await import('../../../shared/webhooks/detect.js');
const { decodeLambdaBody } = await import('../../../shared/webhooks/request.js');
const { githubRequest, githubSecret, webhookErrorOf } = await import('./requests.js');

const cap = 1000;
const oversized = Buffer.alloc(cap + 1, 'a');

beforeEach(() => createHmac.mockClear());

/** A signed request; the HMAC the test helper computed to sign it is not counted. */
function signedRequest(body: Buffer, headers: Record<string, string | undefined> = {}) {
  const req = githubRequest(body, 'push', headers);
  createHmac.mockClear();
  return req;
}

describe('a body over the cap is refused with 413 before any HMAC or JSON parse', () => {
  test('a correctly signed body one byte over the cap, with no HMAC computed', () => {
    const req = signedRequest(oversized);
    const parse = jest.spyOn(JSON, 'parse');
    try {
      const err = webhookErrorOf(() => parseGitHubWebhook(req, githubSecret, { maxBodyBytes: cap }));

      expect([err.httpStatus, err.code]).toEqual([413, 'webhook:too-large']);
      expect(err.message).toBe('webhook body is larger than the limit of 1000 bytes');
      expect(createHmac).not.toHaveBeenCalled();
      expect(parse).not.toHaveBeenCalled();
    } finally {
      parse.mockRestore();
    }
  });

  test('even with a bad signature: the cap answers first', () => {
    const req = signedRequest(oversized, { 'x-hub-signature-256': 'sha1=nonsense' });

    expect(
      webhookErrorOf(() => parseGitHubWebhook(req, githubSecret, { maxBodyBytes: cap })).httpStatus,
    ).toBe(413);
  });

  test('even before the provider is known or a secret looked up', () => {
    const req = { headers: {}, body: oversized };

    expect(webhookErrorOf(() => parseWebhook(req, {}, { maxBodyBytes: cap })).httpStatus).toBe(413);
    expect(createHmac).not.toHaveBeenCalled();
  });

  test('a body exactly at the cap goes on to the signature check', () => {
    const atCap = Buffer.alloc(cap, 'a');
    const req = signedRequest(atCap);
    const err = webhookErrorOf(() => parseGitHubWebhook(req, githubSecret, { maxBodyBytes: cap }));

    expect(err.httpStatus).toBe(400); // signed, but not JSON
    expect(createHmac).toHaveBeenCalledTimes(1);
  });
});

describe('decodeLambdaBody applies the cap', () => {
  test('to base64 text from its length, before decoding it', () => {
    const from = jest.spyOn(Buffer, 'from');
    try {
      const err = webhookErrorOf(() => decodeLambdaBody(oversized.toString('base64'), true, cap));

      expect([err.httpStatus, err.message]).toEqual([
        413,
        'webhook body is larger than the limit of 1000 bytes',
      ]);
      expect(from).not.toHaveBeenCalled();
    } finally {
      from.mockRestore();
    }
  });

  test('to base64 text exactly at the cap, with or without padding', () => {
    expect(decodeLambdaBody(Buffer.alloc(cap, 1).toString('base64'), true, cap).length).toBe(cap);
    expect(decodeLambdaBody(Buffer.alloc(999, 1).toString('base64'), true, 999).length).toBe(999);
    expect(decodeLambdaBody(Buffer.alloc(998, 1).toString('base64'), true, 998).length).toBe(998);
  });

  test('to text by its UTF-8 size, not its length in characters', () => {
    const text = '\u00e9'.repeat(600); // 600 characters, 1,200 bytes

    expect(webhookErrorOf(() => decodeLambdaBody(text, false, cap)).httpStatus).toBe(413);
  });

  test('to text longer than the cap without measuring it', () => {
    const byteLength = jest.spyOn(Buffer, 'byteLength');
    try {
      expect(webhookErrorOf(() => decodeLambdaBody('a'.repeat(cap + 1), false, cap)).httpStatus).toBe(413);
      expect(byteLength).not.toHaveBeenCalled();
    } finally {
      byteLength.mockRestore();
    }
  });
});
