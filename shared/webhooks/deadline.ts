/** GitHub gives up on a webhook after 10 s: an answer must leave well before that. */
export const defaultWebhookDeadlineMs = 8_000;

/** The work behind a webhook did not finish within its deadline (the answer is a 503). */
export class WebhookDeadlineError extends Error {
  override name = 'WebhookDeadlineError';
}

/**
 * `work`, or a WebhookDeadlineError after `ms`. The work is not cancelled: it goes on and its
 * outcome stands (an intake whose claim is pending makes redeliveries wait for it, see
 * control/push-intake.ts), so a late success is recorded and a late failure is forgotten.
 */
export function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WebhookDeadlineError(`not enqueued within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
