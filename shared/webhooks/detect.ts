import { parseGitHubWebhook } from './github.js';
import { parseGitLabWebhook } from './gitlab.js';
import { assertBodyWithinLimit, getHeader, type WebhookRequest } from './request.js';
import {
  WebhookError,
  defaultWebhookOptions,
  type WebhookOptions,
  type WebhookOutcome,
  type WebhookProvider,
} from './types.js';

/** The secret (GitHub) or token (GitLab) configured per provider; a provider without one is refused. */
export interface WebhookSecrets {
  github?: string;
  gitlab?: string;
}

const providerHeaders: Record<WebhookProvider, readonly string[]> = {
  github: ['X-GitHub-Event', 'X-GitHub-Delivery', 'X-Hub-Signature-256', 'X-Hub-Signature'],
  gitlab: ['X-Gitlab-Event', 'X-Gitlab-Token', 'X-Gitlab-Instance'],
};

const providerNames: Record<WebhookProvider, string> = { github: 'GitHub', gitlab: 'GitLab' };

/** The provider a request's headers belong to; 400 if none or both. */
export function detectProvider(req: WebhookRequest): WebhookProvider {
  const matches = (Object.keys(providerHeaders) as WebhookProvider[]).filter((provider) =>
    providerHeaders[provider].some((name) => getHeader(req, name) !== undefined),
  );
  if (matches.length === 1) return matches[0]!;
  const problem =
    matches.length === 0 ? 'not recognised' : 'ambiguous: it has both GitHub and GitLab headers';
  throw new WebhookError(
    'webhook:unknown-provider',
    400,
    `webhook provider ${problem}; expected X-GitHub-Event or X-Gitlab-Event`,
  );
}

/**
 * Verifies and reads a webhook from whichever provider sent it. The size cap comes first (413), then
 * the provider (400), then that provider's secret: a provider with no secret configured is refused
 * with 401, never accepted unsigned (the class of Argo CD CVE-2025-59531).
 */
export function parseWebhook(
  req: WebhookRequest,
  secrets: WebhookSecrets,
  opts: Partial<WebhookOptions> = {},
): WebhookOutcome {
  const options = { ...defaultWebhookOptions, ...opts };
  assertBodyWithinLimit(req.body.length, options.maxBodyBytes);
  const provider = detectProvider(req);
  const secret = secrets[provider];
  if (secret === undefined || secret === '') {
    throw new WebhookError(
      'webhook:no-secret',
      401,
      `${providerNames[provider]} webhook secret is not configured; unsigned webhooks are refused`,
    );
  }
  return provider === 'github'
    ? parseGitHubWebhook(req, secret, options)
    : parseGitLabWebhook(req, secret, options);
}
