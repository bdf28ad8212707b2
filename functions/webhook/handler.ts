import { awsConfigFromEnv } from '../../shared/adapters/aws/aws-config.js';
import { buildAwsStateAdapters } from '../../shared/adapters/aws/aws-state-adapters.js';
import { intakePush } from '../../shared/sync/webhook-intake.js';
import { parseWebhook } from '../../shared/webhooks/detect.js';
import { decodeLambdaBody } from '../../shared/webhooks/request.js';
import { WebhookError, defaultWebhookOptions } from '../../shared/webhooks/types.js';
import { json, type HttpRequestEvent, type HttpResponse } from '../lambda-events.js';
import { functionLogger } from '../logger.js';

const log = functionLogger('gitferry-webhook');
let runtime:
  (ReturnType<typeof buildAwsStateAdapters> & { config: ReturnType<typeof awsConfigFromEnv> }) | undefined;

/** GitHub waits 10 s for an answer: stop waiting for a slow store well before that. */
const answerWithinMs = Number(process.env.GITFERRY_WEBHOOK_DEADLINE_MS ?? 8_000);

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
export async function handler(event: HttpRequestEvent): Promise<HttpResponse> {
  runtime ??= (() => {
    const config = awsConfigFromEnv();
    return { config, ...buildAwsStateAdapters(config) };
  })();
  const rt = runtime;
  try {
    const body = decodeLambdaBody(
      event.body,
      event.isBase64Encoded ?? false,
      defaultWebhookOptions.maxBodyBytes,
    );
    const secrets = await withDeadline(
      Promise.all([
        rt.config.githubSecretName ? rt.secrets.get(rt.config.githubSecretName) : undefined,
        rt.config.gitlabSecretName ? rt.secrets.get(rt.config.gitlabSecretName) : undefined,
      ]),
      answerWithinMs,
    );
    const outcome = parseWebhook(
      { headers: event.headers ?? {}, body },
      { github: secrets[0], gitlab: secrets[1] },
    );
    if (outcome.kind === 'ignored') {
      log.info('webhook ignored', { reason: outcome.reason });
      return json(200, { ignored: outcome.reason });
    }
    const result = await withDeadline(
      intakePush(outcome.event, { store: rt.store, queue: rt.queue, log, now: Date.now }),
      answerWithinMs,
    );
    return json(result.duplicate ? 200 : 202, {
      enqueued: result.enqueued,
      duplicate: result.duplicate,
      revision: outcome.event.sha,
    });
  } catch (err) {
    if (err instanceof WebhookError) {
      log.warn('webhook refused', { code: err.code, status: err.httpStatus, message: err.message });
      return json(err.httpStatus, { error: err.message });
    }
    log.error('webhook not enqueued', { message: (err as Error).message });
    return json(503, { error: 'not enqueued; please redeliver' });
  }
}
