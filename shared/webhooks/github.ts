// GitHub push webhooks: signature (X-Hub-Signature-256) verified over the raw body bytes, then the
// payload read into a PushEvent. https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
import { createHmac, timingSafeEqual } from 'node:crypto';

import { requireDeliveryId } from './delivery.js';
import { PayloadReader, classifyRef, decodeUtf8, isZeroSha, own, parseJsonPayload } from './payload.js';
import { readGitHubPullRequest } from './pull-request.js';
import { assertBodyWithinLimit, getHeader, type WebhookRequest } from './request.js';
import {
  WebhookError,
  defaultWebhookOptions,
  ignored,
  type WebhookOptions,
  type WebhookOutcome,
} from './types.js';

const signaturePattern = /^sha256=([0-9a-fA-F]{64})$/;

/** GitHub lists at most this many commits in a push payload; a push of more was truncated. */
const githubMaxListedCommits = 2048;

/**
 * Verifies and reads a GitHub webhook. In order: body size (413), signature (401), delivery and
 * event headers (400); only a push body is then parsed (400 naming the field at fault). Ping, tag
 * pushes, branch deletes, refs that are not branches and other events come back `ignored`, to be
 * answered 2xx.
 */
export function parseGitHubWebhook(
  req: WebhookRequest,
  secret: string,
  opts: Partial<WebhookOptions> = {},
): WebhookOutcome {
  const options = { ...defaultWebhookOptions, ...opts };
  assertBodyWithinLimit(req.body.length, options.maxBodyBytes);
  verifyGitHubSignature(
    req.body,
    getHeader(req, 'X-Hub-Signature-256'),
    secret,
    getHeader(req, 'X-Hub-Signature'),
  );
  const deliveryId = requireDeliveryId(req, ['X-GitHub-Delivery']);
  const event = requireGitHubEvent(req);
  if (event === 'ping') return ignored('ping');
  if (event === 'pull_request')
    return readGitHubPullRequest(
      parseJsonPayload(githubPayloadText(req), 'GitHub pull_request payload', options.maxDepth),
      deliveryId,
    );
  if (event !== 'push') return ignored(`event ${event} is not handled`);
  const payload = parseJsonPayload(githubPayloadText(req), 'GitHub push payload', options.maxDepth);
  return readGitHubPush(payload, deliveryId, options);
}

/**
 * Throws 401 unless `signatureHeader` is `sha256=<64 hex>` and equals the HMAC-SHA256 of `body` under
 * `secret`, compared in constant time. Computed here over the Buffer rather than with
 * @octokit/webhooks' `verify`, which takes a string: decoding and re-encoding the body could change
 * the bytes that were signed.
 */
export function verifyGitHubSignature(
  body: Buffer,
  signatureHeader: string | undefined,
  secret: string,
  sha1Header?: string,
): void {
  if (secret === '') {
    throw new WebhookError(
      'webhook:no-secret',
      401,
      'GitHub webhook secret is not configured; unsigned webhooks are refused',
    );
  }
  if (signatureHeader === undefined) {
    const why = sha1Header === undefined ? '' : '; SHA-1 signatures (X-Hub-Signature) are not accepted';
    throw new WebhookError('webhook:bad-signature', 401, `X-Hub-Signature-256 header is missing${why}`);
  }
  const hex = signaturePattern.exec(signatureHeader.trim())?.[1];
  if (hex === undefined) {
    throw new WebhookError(
      'webhook:bad-signature',
      401,
      'X-Hub-Signature-256 header must be sha256= and 64 hex digits',
    );
  }
  const expected = createHmac('sha256', secret).update(body).digest();
  if (!timingSafeEqual(Buffer.from(hex, 'hex'), expected)) {
    throw new WebhookError('webhook:bad-signature', 401, 'X-Hub-Signature-256 does not match the body');
  }
}

function requireGitHubEvent(req: WebhookRequest): string {
  const event = getHeader(req, 'X-GitHub-Event');
  if (event === undefined || event === '') {
    throw new WebhookError('webhook:bad-header', 400, 'X-GitHub-Event header is missing');
  }
  if (!/^[a-z0-9_]{1,64}$/.test(event)) {
    throw new WebhookError('webhook:bad-header', 400, 'X-GitHub-Event header is not an event name');
  }
  return event;
}

/** The JSON text of the body: as sent with `application/json`, or the `payload` field of a form post. */
function githubPayloadText(req: WebhookRequest): string {
  const contentType = getHeader(req, 'Content-Type')?.split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/x-www-form-urlencoded') return decodeUtf8(req.body, 'GitHub push payload');
  const payload = new URLSearchParams(decodeUtf8(req.body, 'GitHub push payload')).get('payload');
  if (payload === null) {
    throw new WebhookError('webhook:bad-payload', 400, 'GitHub push payload: form body has no payload field');
  }
  return payload;
}

function readGitHubPush(payload: unknown, deliveryId: string, options: WebhookOptions): WebhookOutcome {
  const read = new PayloadReader('GitHub push payload');
  const push = read.object(payload, 'body');
  const ref = classifyRef(read.ref(own(push, 'ref'), 'ref'));
  if (ref.kind === 'tag') return ignored('tag push');
  if (ref.kind === 'other') return ignored(`ref ${ref.name} is not a branch`);
  if (read.optionalBoolean(own(push, 'deleted'), 'deleted') === true) return ignored('branch deleted');
  const sha = read.sha(own(push, 'after'), 'after', [40]);
  if (isZeroSha(sha)) return ignored('branch deleted');
  const repository = read.object(own(push, 'repository'), 'repository');
  const repoUrls = read.urls(repository, 'repository', ['clone_url', 'html_url', 'ssh_url']);

  const before =
    own(push, 'before') === undefined ? undefined : read.sha(own(push, 'before'), 'before', [40]);
  const created = read.optionalBoolean(own(push, 'created'), 'created');
  const forced = read.optionalBoolean(own(push, 'forced'), 'forced');
  const commits = own(push, 'commits');
  let changedFiles = read.changedFiles(commits, options.maxChangedFiles);
  // The commit lists say what the new commits touched, not how `after` differs from `before`, when the
  // branch is new or was rewritten (reverted files appear in no listed commit), or when truncated.
  const truncated = Array.isArray(commits) && commits.length >= githubMaxListedCommits;
  if (created === true || forced === true || before === undefined || isZeroSha(before) || truncated) {
    changedFiles = undefined;
  }

  return {
    kind: 'push',
    event: {
      provider: 'github',
      deliveryId,
      repoUrls,
      branch: ref.branch,
      sha,
      ...(changedFiles === undefined ? {} : { changedFiles }),
    },
  };
}
