// An older pushed revision, arriving after a newer one was deployed, is recorded, not applied.
import type { App } from '../domain/app.js';
import type { SyncJob } from '../domain/sync-job.js';
import type { Lease, SyncRequest } from '../ports/state-store.js';
import { commitStep, type Control } from './deps.js';

/** How many of the newest runs are looked through for an earlier record of the same supersession. */
const supersededLookback = 10;

/**
 * Records an older pushed revision as superseded, once per app and revision: replayed
 * deliveries and redelivered or busy-retried wake-ups carry the same revision, and recording
 * each of them once filled the rollback window with nothing else. The lease serialises this
 * check-then-write per app. The webhook request for that revision is consumed either way.
 */
export async function recordSuperseded(
  c: Control,
  lease: Lease,
  app: App,
  job: SyncJob,
  head: string,
  request: SyncRequest | undefined,
): Promise<void> {
  const consumedRequestAt =
    request?.reason === 'webhook' && request.revision === job.revision ? request.requestedAt : undefined;
  const recent = await c.store.listRuns(app.name, supersededLookback);
  if (recent.some((r) => r.superseded && r.revision === job.revision)) {
    if (consumedRequestAt !== undefined) await commitStep(c, lease, { consumedRequestAt });
    c.log.info('older revision already recorded as superseded', {
      app: app.name,
      revision: job.revision,
      deliveryId: job.deliveryId,
    });
    return;
  }
  const id = await c.store.nextRunId(app.name);
  const at = new Date(c.clock.now()).toISOString();
  await commitStep(c, lease, {
    run: {
      app: app.name,
      id,
      revision: job.revision!,
      reason: job.reason,
      phase: 'Succeeded',
      superseded: true,
      message: `superseded by ${head}, which is newer and already deployed; not applied`,
      startedAt: at,
      finishedAt: at,
      results: [],
    },
    consumedRequestAt,
  });
  c.log.info('older revision superseded', {
    app: app.name,
    revision: job.revision,
    head,
    deliveryId: job.deliveryId,
  });
}
