import { GitferryError } from '../domain/errors.js';
import type { PullRequestEvent } from './pull-request.js';

/** The Git hosts whose push webhooks Gitferry understands. */
export type WebhookProvider = 'github' | 'gitlab';

/** A verified push to a branch: what the webhook function needs to match apps and record a wanted revision. */
export interface PushEvent {
  provider: WebhookProvider;
  /** The provider's id for this delivery, stable across its retries: the key for deduplication. */
  deliveryId: string;
  /** Every URL the provider gives for the repository (https clone, web, ssh), as sent; callers normalise. */
  repoUrls: string[];
  /** The branch name, without `refs/heads/`. */
  branch: string;
  /** The commit the branch now points at, lower-case hex. */
  sha: string;
  /**
   * Paths added, modified or removed across the pushed commits, deduplicated and sorted. Undefined when
   * the list may be incomplete (the provider truncated or left out commits or file lists, a new branch,
   * a force push, more than `maxChangedFiles` paths): callers then treat every path as changed.
   */
  changedFiles?: string[];
}

/**
 * What a verified webhook asks for: a push to act on, a pull or merge request to preview, or a
 * reason to answer 2xx and do nothing.
 */
export type WebhookOutcome =
  | { kind: 'push'; event: PushEvent }
  | { kind: 'pull-request'; event: PullRequestEvent }
  | { kind: 'ignored'; reason: string };

/** The HTTP statuses a refused webhook is answered with. */
export type WebhookHttpStatus = 400 | 401 | 413;

export type WebhookErrorCode =
  | 'webhook:too-large'
  | 'webhook:no-secret'
  | 'webhook:bad-signature'
  | 'webhook:bad-token'
  | 'webhook:unknown-provider'
  | 'webhook:bad-header'
  | 'webhook:bad-payload';

/**
 * A webhook was refused; nothing was parsed past the point of failure and nothing may be enqueued.
 * Messages name the header, field or limit at fault and never contain a secret or a signature.
 */
export class WebhookError extends GitferryError {
  override name = 'WebhookError';
  declare readonly code: WebhookErrorCode;
  constructor(
    code: WebhookErrorCode,
    readonly httpStatus: WebhookHttpStatus,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** Limits applied to every webhook; see `defaultWebhookOptions`. */
export interface WebhookOptions {
  /**
   * The largest body accepted, in bytes (default 4 MiB: base64-encoded it is ~5.6 MB, under Lambda's 6 MB
   * synchronous payload limit; GitHub may send up to 25 MB, which Lambda refuses before we run).
   */
  maxBodyBytes: number;
  /** The deepest JSON nesting accepted (default 64; real push payloads nest about 5 deep). */
  maxDepth: number;
  /** More distinct changed paths than this and `changedFiles` is left undefined (default 2,000). */
  maxChangedFiles: number;
}

export const defaultWebhookOptions: WebhookOptions = {
  maxBodyBytes: 4 * 1024 * 1024,
  maxDepth: 64,
  maxChangedFiles: 2000,
};

/** Builds an `ignored` outcome. */
export function ignored(reason: string): WebhookOutcome {
  return { kind: 'ignored', reason };
}
