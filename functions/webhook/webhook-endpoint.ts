import { redact } from '../../shared/domain/redact.js';
import type { JobQueue } from '../../shared/ports/job-queue.js';
import type { Logger } from '../../shared/ports/logger.js';
import { intakePush, type IntakeStore } from '../../shared/control/push-intake.js';
import { parseWebhook, type WebhookSecrets } from '../../shared/webhooks/detect.js';
import { decodeLambdaBody } from '../../shared/webhooks/request.js';
import { WebhookError, defaultWebhookOptions } from '../../shared/webhooks/types.js';
import { json, type HttpRequestEvent, type HttpResponse } from '../lambda-events.js';

export interface WebhookEndpointDeps {
  store: IntakeStore;
  queue: JobQueue;
  secrets: () => Promise<WebhookSecrets>;
  log: Logger;
  /** GitHub waits 10 s for an answer: give up on a slow store well before that (default 8 s). */
  deadlineMs: number;
  now: () => number;
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not enqueued within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * The public webhook endpoint: size cap, signature, parse, match apps, record wanted revisions,
 * enqueue wake-ups. 202 enqueued, 200 ignored or duplicate, 400/401/413 refused (nothing enqueued),
 * 503 when the work could not be done in time (GitHub may redeliver; wake-ups are idempotent).
 */
export function createWebhookEndpoint(
  deps: WebhookEndpointDeps,
): (event: HttpRequestEvent) => Promise<HttpResponse> {
  const { log } = deps;
  return async (event) => {
    const started = deps.now();
    try {
      const body = decodeLambdaBody(
        event.body,
        event.isBase64Encoded ?? false,
        defaultWebhookOptions.maxBodyBytes,
      );
      const secrets = await withDeadline(deps.secrets(), deps.deadlineMs);
      const outcome = parseWebhook({ headers: event.headers ?? {}, body }, secrets);
      if (outcome.kind === 'ignored') {
        log.info('webhook ignored', { reason: outcome.reason });
        return json(200, { ignored: outcome.reason });
      }
      const left = Math.max(1, deps.deadlineMs - (deps.now() - started));
      const result = await withDeadline(
        intakePush(outcome.event, { store: deps.store, queue: deps.queue, log, now: deps.now }),
        left,
      );
      return json(result.duplicate ? 200 : 202, {
        enqueued: result.enqueued,
        duplicate: result.duplicate,
        revision: outcome.event.sha,
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
