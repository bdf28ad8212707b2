import { createHash, timingSafeEqual } from 'node:crypto';
import { redact } from '../../shared/domain/redact.js';
import type { JobQueue } from '../../shared/ports/job-queue.js';
import type { Logger } from '../../shared/ports/logger.js';
import { intakePush, type IntakeStore } from '../../shared/control/push-intake.js';
import { intakePullRequest } from '../../shared/preview/intake.js';
import { detectProvider, parseWebhook, type WebhookSecrets } from '../../shared/webhooks/detect.js';
import { decodeLambdaBody, getHeader } from '../../shared/webhooks/request.js';
import { WebhookError, defaultWebhookOptions } from '../../shared/webhooks/types.js';
import { withDeadline } from '../../shared/webhooks/deadline.js';
import { json, type HttpRequestEvent, type HttpResponse } from '../lambda-events.js';

export interface WebhookEndpointDeps {
  store: IntakeStore;
  queue: JobQueue;
  secrets: () => Promise<WebhookSecrets>;
  log: Logger;
  /** GitHub waits 10 s for an answer: give up on a slow store well before that (default 8 s). */
  deadlineMs: number;
  now: () => number;
  /**
   * When the endpoint sits behind CloudFront (and its WAF rate rule): the value CloudFront puts
   * in `x-gitferry-origin-verify`; requests without it went around the rate limit and are refused.
   */
  originVerify?: string;
}

/** The header CloudFront adds on its way to the Function URL (infra/webhook-firewall.ts). */
export const originVerifyHeader = 'x-gitferry-origin-verify';

/** The signature (GitHub) or token (GitLab) header each provider always sends with a secret set. */
const signatureHeaders = { github: ['X-Hub-Signature-256'], gitlab: ['X-Gitlab-Token'] } as const;

function sameSecret(given: string, expected: string): boolean {
  const h = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(h(given), h(expected));
}

/**
 * What costs nothing to check, before the secret lookup (a Secrets Manager call per cold start
 * and a bill per call): the method, the CloudFront origin header, the body size, a known
 * provider and its signature header. A flood of junk is refused here without touching AWS.
 */
function cheapRefusal(event: HttpRequestEvent, originVerify: string | undefined): HttpResponse | undefined {
  const method = event.requestContext?.http?.method;
  if (method !== undefined && method !== 'POST') return json(405, { error: 'webhooks are POST requests' });
  if (originVerify !== undefined) {
    const given = getHeader({ headers: event.headers ?? {} }, originVerifyHeader);
    if (given === undefined || !sameSecret(given, originVerify))
      return json(403, { error: 'webhooks are accepted through the CloudFront endpoint only' });
  }
  return undefined;
}

/**
 * The public webhook endpoint: cheap checks (method, origin, size cap, provider and signature
 * headers), then the secret, signature, parse, match apps, record wanted revisions, enqueue
 * wake-ups. 202 enqueued, 200 ignored or duplicate, 400/401/403/405/413 refused (nothing enqueued),
 * 503 when the work could not be done in time (GitHub may redeliver; wake-ups are idempotent).
 */
export function createWebhookEndpoint(
  deps: WebhookEndpointDeps,
): (event: HttpRequestEvent) => Promise<HttpResponse> {
  const { log } = deps;
  return async (event) => {
    const started = deps.now();
    const refused = cheapRefusal(event, deps.originVerify);
    if (refused) {
      log.warn('webhook refused before any lookup', { status: refused.statusCode });
      return refused;
    }
    try {
      const body = decodeLambdaBody(
        event.body,
        event.isBase64Encoded ?? false,
        defaultWebhookOptions.maxBodyBytes,
      );
      const request = { headers: event.headers ?? {}, body };
      const provider = detectProvider(request);
      if (signatureHeaders[provider].every((h) => getHeader(request, h) === undefined))
        throw new WebhookError(
          'webhook:bad-signature',
          401,
          `${provider} webhook has no ${signatureHeaders[provider].join(' or ')} header; unsigned webhooks are refused`,
        );
      const secrets = await withDeadline(deps.secrets(), deps.deadlineMs);
      const outcome = parseWebhook(request, secrets);
      if (outcome.kind === 'ignored') {
        log.info('webhook ignored', { reason: outcome.reason });
        return json(200, { ignored: outcome.reason });
      }
      const left = Math.max(1, deps.deadlineMs - (deps.now() - started));
      // A copy that finds its first copy under way waits for it as long as its own deadline allows.
      const intake = { store: deps.store, queue: deps.queue, log, now: deps.now, pendingWaitMs: left };
      const result = await withDeadline(
        outcome.kind === 'push'
          ? intakePush(outcome.event, intake)
          : intakePullRequest(outcome.event, intake),
        left,
      );
      return json(result.duplicate ? 200 : 202, {
        enqueued: result.enqueued,
        duplicate: result.duplicate,
        revision: outcome.kind === 'push' ? outcome.event.sha : outcome.event.headSha,
        ...(outcome.kind === 'pull-request' ? { preview: true } : {}),
      });
    } catch (err) {
      if (err instanceof WebhookError) {
        log.warn('webhook refused', { code: err.code, status: err.httpStatus, message: err.message });
        return json(err.httpStatus, { error: redact(err.message) });
      }
      log.error('webhook not enqueued', { message: (err as Error).message });
      return json(503, { error: 'not enqueued; please redeliver' });
    }
  };
}
