// Signed webhook requests built from the JSON fixtures in test/fixtures/webhooks.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import type { WebhookRequest } from '../../../shared/webhooks/request.js';
import { WebhookError } from '../../../shared/webhooks/types.js';

export const githubSecret = 'gitferry-test-github-secret';
export const gitlabToken = 'gitferry-test-gitlab-token';
export const deliveryId = '72d3162e-cc78-11e3-81ab-4c9367dc0958';

/** The raw bytes of test/fixtures/webhooks/<name>. */
export function fixtureBytes(name: string): Buffer {
  return readFileSync(fileURLToPath(new URL(`../../fixtures/webhooks/${name}`, import.meta.url)));
}

/** The parsed JSON of test/fixtures/webhooks/<name>, a fresh copy each call. */
export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(fixtureBytes(name).toString('utf8')) as Record<string, unknown>;
}

export function signGitHub(body: Buffer, secret = githubSecret): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function bytesOf(body: Buffer | string | object): Buffer {
  if (Buffer.isBuffer(body)) return body;
  return Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
}

/** A GitHub delivery of `body`, signed with `githubSecret`; `headers` override or (undefined) remove. */
export function githubRequest(
  body: Buffer | string | object,
  event = 'push',
  headers: Record<string, string | undefined> = {},
): WebhookRequest {
  const bytes = bytesOf(body);
  return {
    body: bytes,
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': deliveryId,
      'x-hub-signature-256': signGitHub(bytes),
      ...headers,
    },
  };
}

/** A GitLab delivery of `body` with `gitlabToken`; `headers` override or (undefined) remove. */
export function gitlabRequest(
  body: Buffer | string | object,
  event = 'Push Hook',
  headers: Record<string, string | undefined> = {},
): WebhookRequest {
  return {
    body: bytesOf(body),
    headers: {
      'content-type': 'application/json',
      'x-gitlab-event': event,
      'x-gitlab-token': gitlabToken,
      'idempotency-key': deliveryId,
      'x-gitlab-event-uuid': 'a8e1e5f4-6a5f-4a62-9b7e-2f1c3e6d0b11',
      'x-gitlab-webhook-uuid': '3c5c0404-c866-44bc-a5f6-452bb1bfc76e',
      'x-gitlab-instance': 'https://gitlab.example.com',
      ...headers,
    },
  };
}

/** The WebhookError `fn` throws; fails the test if it throws something else or nothing. */
export function webhookErrorOf(fn: () => unknown): WebhookError {
  try {
    fn();
  } catch (err) {
    if (err instanceof WebhookError) return err;
    throw err;
  }
  throw new Error('expected a WebhookError, but nothing was thrown');
}

/** A GitHub push fixture with `changes` applied at the top level. */
export function githubPush(changes: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...fixture('github-push.json'), ...changes };
}

/** A GitLab push fixture with `changes` applied at the top level. */
export function gitlabPush(changes: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...fixture('gitlab-push.json'), ...changes };
}
