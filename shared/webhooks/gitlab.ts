// GitLab push webhooks: the shared token (X-Gitlab-Token) checked in constant time, then the payload
// read into a PushEvent. https://docs.gitlab.com/user/project/integrations/webhooks/
import { createHash, timingSafeEqual } from 'node:crypto';

import { requireDeliveryId } from './delivery.js';
import { PayloadReader, classifyRef, isZeroSha, own, parseJsonPayload } from './payload.js';
import { readGitLabMergeRequest } from './pull-request.js';
import { assertBodyWithinLimit, getHeader, type WebhookRequest } from './request.js';
import {
  WebhookError,
  defaultWebhookOptions,
  ignored,
  type WebhookOptions,
  type WebhookOutcome,
} from './types.js';

/**
 * Headers that identify a GitLab delivery, best first. Idempotency-Key (GitLab 17.4+) stays the same
 * across retries of one delivery. X-Gitlab-Event-UUID is shared by the hooks one event triggers (and
 * by hooks triggered recursively from them). X-Gitlab-Webhook-UUID is a fresh random UUID on every
 * request (GitLab's WebHookService#build_headers), so it never merges two pushes but does not dedupe
 * retries either: the last resort.
 */
export const gitlabDeliveryHeaders = [
  'Idempotency-Key',
  'X-Gitlab-Event-UUID',
  'X-Gitlab-Webhook-UUID',
] as const;

/**
 * Verifies and reads a GitLab webhook. In order: body size (413), token (401), delivery and event
 * headers (400); only push bodies are then parsed (400 naming the field at fault). Tag pushes, branch
 * deletes, refs that are not branches and other events come back `ignored`, to be answered 2xx (GitLab
 * disables a hook after repeated 4xx answers).
 */
export function parseGitLabWebhook(
  req: WebhookRequest,
  token: string,
  opts: Partial<WebhookOptions> = {},
): WebhookOutcome {
  const options = { ...defaultWebhookOptions, ...opts };
  assertBodyWithinLimit(req.body.length, options.maxBodyBytes);
  verifyGitLabToken(getHeader(req, 'X-Gitlab-Token'), token);
  const deliveryId = requireDeliveryId(req, gitlabDeliveryHeaders);
  const event = requireGitLabEvent(req);
  switch (event) {
    case 'Push Hook':
      return readGitLabPush(
        parseJsonPayload(req.body, 'GitLab push payload', options.maxDepth),
        deliveryId,
        options,
      );
    case 'Tag Push Hook':
      return ignored('tag push');
    case 'Merge Request Hook':
      return readGitLabMergeRequest(
        parseJsonPayload(req.body, 'GitLab merge request payload', options.maxDepth),
        deliveryId,
      );
    case 'System Hook':
      return readSystemHook(req, deliveryId, options);
    default:
      return ignored(`event ${event} is not handled`);
  }
}

/**
 * Throws 401 unless `received` equals the configured `token`. Both are hashed first so that
 * timingSafeEqual compares equal lengths: it throws on a length mismatch, and an early length check
 * would tell an attacker the token's length.
 */
export function verifyGitLabToken(received: string | undefined, token: string): void {
  if (token === '') {
    throw new WebhookError(
      'webhook:no-secret',
      401,
      'GitLab webhook token is not configured; unsigned webhooks are refused',
    );
  }
  if (received === undefined || received === '') {
    throw new WebhookError('webhook:bad-token', 401, 'X-Gitlab-Token header is missing');
  }
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  if (!timingSafeEqual(digest(received), digest(token))) {
    throw new WebhookError('webhook:bad-token', 401, 'X-Gitlab-Token does not match');
  }
}

function requireGitLabEvent(req: WebhookRequest): string {
  const event = getHeader(req, 'X-Gitlab-Event');
  if (event === undefined || event === '') {
    throw new WebhookError('webhook:bad-header', 400, 'X-Gitlab-Event header is missing');
  }
  if (!/^[A-Za-z][A-Za-z ]{0,63}$/.test(event)) {
    throw new WebhookError('webhook:bad-header', 400, 'X-Gitlab-Event header is not an event name');
  }
  return event;
}

/** Instance-wide system hooks send pushes too, told apart by `object_kind`. */
function readSystemHook(req: WebhookRequest, deliveryId: string, options: WebhookOptions): WebhookOutcome {
  const payload = parseJsonPayload(req.body, 'GitLab system hook payload', options.maxDepth);
  const read = new PayloadReader('GitLab system hook payload');
  const kind = read.string(own(read.object(payload, 'body'), 'object_kind'), 'object_kind');
  if (kind === 'push') return readGitLabPush(payload, deliveryId, options);
  if (kind === 'tag_push') return ignored('tag push');
  if (kind === 'merge_request') return readGitLabMergeRequest(payload, deliveryId);
  return ignored(
    /^[a-z_]{1,64}$/.test(kind) ? `system hook ${kind} is not handled` : 'system hook is not handled',
  );
}

function readGitLabPush(payload: unknown, deliveryId: string, options: WebhookOptions): WebhookOutcome {
  const read = new PayloadReader('GitLab push payload');
  const push = read.object(payload, 'body');
  const ref = classifyRef(read.ref(own(push, 'ref'), 'ref'));
  if (ref.kind === 'tag') return ignored('tag push');
  if (ref.kind === 'other') return ignored(`ref ${ref.name} is not a branch`);
  // checkout_sha is null when the push deleted the branch.
  if (own(push, 'checkout_sha') === null) return ignored('branch deleted');
  const sha = read.sha(own(push, 'checkout_sha'), 'checkout_sha', [40, 64]);
  if (isZeroSha(sha)) return ignored('branch deleted');
  const project = read.object(own(push, 'project'), 'project');
  const repoUrls = read.urls(project, 'project', ['git_http_url', 'git_ssh_url', 'web_url']);

  const before =
    own(push, 'before') === undefined ? undefined : read.sha(own(push, 'before'), 'before', [40, 64]);
  const total = read.optionalCount(own(push, 'total_commits_count'), 'total_commits_count');
  const commits = own(push, 'commits');
  let changedFiles = read.changedFiles(commits, options.maxChangedFiles);
  // GitLab lists at most 20 commits (total_commits_count says how many there were), and nothing
  // relates a new branch's commits to what it was created from. It does not flag force pushes, so a
  // rewrite's reverted files can be missing here: the drift schedule is the safety net for that.
  const truncated = total !== undefined && Array.isArray(commits) && total > commits.length;
  if (before === undefined || isZeroSha(before) || truncated) changedFiles = undefined;

  return {
    kind: 'push',
    event: {
      provider: 'gitlab',
      deliveryId,
      repoUrls,
      branch: ref.branch,
      sha,
      ...(changedFiles === undefined ? {} : { changedFiles }),
    },
  };
}
