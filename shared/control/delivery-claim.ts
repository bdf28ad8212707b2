// One webhook delivery, taken once: the claim a push or a pull request takes on its delivery id
// before it sends anything, and what a copy of the same delivery does meanwhile.
import { GitferryError } from '../domain/errors.js';
import type { Logger } from '../ports/logger.js';
import type { StateStore } from '../ports/state-store.js';

/**
 * Another copy of the delivery is still being taken and did not finish within the wait: the
 * answer is "not enqueued, redeliver" (a 503), never "duplicate", since its wake-ups may yet fail.
 */
export class DeliveryPendingError extends GitferryError {
  override name = 'DeliveryPendingError';
  constructor(deliveryId: string) {
    super(
      'webhook:delivery-pending',
      `delivery ${deliveryId}: another copy of it is still being taken; redeliver later`,
    );
  }
}

/** Defaults of a delivery claim's timing options. */
export const defaultIntakeOptions = {
  /** How long a delivery is remembered once its wake-ups were sent (GitHub redelivers for days). */
  deliveryTtlSeconds: 7 * 24 * 3600,
  /**
   * How long a claim holds while its wake-ups are sent. Past it, a redelivery may take the
   * delivery over (the first intake died, or its Lambda was frozen after answering 503); its late
   * wake-ups, if it resumes, are harmless duplicates.
   */
  claimSeconds: 60,
  /** How long a copy that finds another copy under way waits for its outcome before a 503. */
  pendingWaitMs: 5_000,
  /** The first pause before asking again; each next one doubles, up to 1 s. */
  pendingPollMs: 100,
};

export type DeliveryClaimOptions = typeof defaultIntakeOptions;

export interface DeliveryClaimDeps extends Partial<DeliveryClaimOptions> {
  store: Pick<StateStore, 'claimDelivery' | 'confirmDelivery' | 'forgetDelivery'>;
  log: Logger;
  now: () => number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `send` once for the delivery `provider:deliveryId`. The delivery is claimed first, so a
 * replayed delivery (GitHub's redelivery, an attacker replaying a captured request) sends nothing;
 * the claim becomes "done" only once `send` resolved. A copy that finds the claim still pending
 * waits for its outcome: done is a duplicate, forgotten is new work it takes up, and still pending
 * after the wait is a DeliveryPendingError (503, redeliver). If `send` fails, the claim is
 * forgotten, so a redelivery is new work and a failure part-way loses nothing (what was sent
 * already is a harmless duplicate). A claim whose taker died runs out after `claimSeconds`.
 */
export async function oncePerDelivery<T>(
  deps: DeliveryClaimDeps,
  delivery: { provider: string; deliveryId: string },
  fields: Record<string, unknown>,
  send: () => Promise<T>,
): Promise<{ duplicate: true } | { duplicate: false; sent: T }> {
  const o = { ...defaultIntakeOptions, ...definedOnly(deps) };
  const key = `${delivery.provider}:${delivery.deliveryId}`;
  const waitUntil = deps.now() + o.pendingWaitMs;
  let claim = await deps.store.claimDelivery(key, o.claimSeconds, deps.now());
  // Asked again less and less often (each ask is two store calls on DynamoDB): a slow store is
  // not made slower by the copies waiting on it.
  for (let pause = o.pendingPollMs; claim === 'pending'; pause = Math.min(pause * 2, 1_000)) {
    if (deps.now() >= waitUntil) throw new DeliveryPendingError(delivery.deliveryId);
    await sleep(Math.min(pause, Math.max(0, waitUntil - deps.now())));
    claim = await deps.store.claimDelivery(key, o.claimSeconds, deps.now());
  }
  if (claim === 'done') return { duplicate: true };
  let sent: T;
  try {
    sent = await send();
    await deps.store.confirmDelivery(key, o.deliveryTtlSeconds, deps.now());
  } catch (err) {
    await deps.store
      .forgetDelivery(key)
      .catch((forgetErr: unknown) =>
        deps.log.error(
          'a delivery whose wake-ups failed could not be forgotten; a redelivery can take it once its claim runs out',
          { ...fields, message: (forgetErr as Error).message },
        ),
      );
    throw err;
  }
  return { duplicate: false, sent };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
