import { openDatabase } from '../../../shared/adapters/local/sqlite-database.js';
import { SqliteStateStore } from '../../../shared/adapters/local/sqlite-state-store.js';
import { deliverNotificationJob } from '../../../shared/control/queued-notification.js';
import { planNotifications } from '../../../shared/notify/plan.js';
import { notificationJobOf, parseNotificationJob } from '../../../shared/notify/queued-notifier.js';
import { silentLogger } from '../../../shared/ports/logger.js';
import type {
  DeliveryResult,
  Notification,
  NotificationJob,
  Notifier,
} from '../../../shared/ports/notifier.js';
import { appWith, statusAt } from '../notify/fixtures.js';

// The notifier function's use case, against the local store (leases and status as on DynamoDB)
// and a notifier whose answers the test decides.
const app = appWith({
  'notifications.argoproj.io/subscribe.on-sync-running.github': '',
  'notifications.argoproj.io/subscribe.on-sync-failed.slack': 'deploys',
});
const subs = [
  { trigger: 'on-sync-running' as const, service: 'github', recipient: '' },
  { trigger: 'on-sync-failed' as const, service: 'slack', recipient: 'deploys' },
];

function setup(answer: (n: Notification) => Omit<DeliveryResult, 'key' | 'attempts'>) {
  const store = new SqliteStateStore(openDatabase(':memory:'));
  const sent: string[] = [];
  const requeued: { job: NotificationJob; delay: number }[] = [];
  const notifier: Notifier = {
    services: () => ['github', 'slack'],
    deliver: async (ns) =>
      ns.map((n) => {
        sent.push(`${n.trigger}.${n.service}`);
        return { key: n.key, attempts: 1, ...answer(n) };
      }),
  };
  const deps = {
    store,
    notifier,
    clock: { now: Date.now },
    log: silentLogger,
    holder: 'notifier-test',
    requeue: async (job: NotificationJob, delay: number) => void requeued.push({ job, delay }),
  };
  return { store, sent, requeued, deps };
}

async function putStatus(store: SqliteStateStore, status: ReturnType<typeof statusAt>) {
  await store.putApp(app);
  const lease = (await store.acquireLease(app.name, 'worker', 60_000, Date.now()))!;
  await store.commitStep(lease, { status });
  await store.releaseLease(lease);
}

describe('a queued notification is retried, dropped when stale, or recorded', () => {
  const failed = statusAt('failed');
  const due = planNotifications(app, undefined, failed, subs).due;

  test('a retryable failure is queued again alone, with the next attempt and a backing-off delay; the job survives the queue', async () => {
    const { sent, requeued, deps, store } = setup((n) =>
      n.service === 'slack'
        ? { ok: false, retry: true, error: 'slack on-sync-failed: answered 503' }
        : { ok: true },
    );
    await putStatus(store, failed);
    const job = parseNotificationJob(JSON.stringify(notificationJobOf(due)));
    expect(await deliverNotificationJob(deps, job)).toMatchObject({ sent: 1, requeued: 1, failed: 0 });
    expect(sent).toEqual(['on-sync-running.github', 'on-sync-failed.slack']);
    expect(requeued.map((r) => [r.job.attempt, r.delay, r.job.notifications.map((n) => n.service)])).toEqual([
      [2, 30, ['slack']],
    ]);
    await deliverNotificationJob(deps, requeued[0]!.job);
    expect(requeued.map((r) => r.delay)).toEqual([30, 60]);
  });

  test('a retry whose condition no longer holds (a new run succeeded since) is dropped, not sent', async () => {
    const { sent, requeued, deps, store } = setup(() => ({ ok: true }));
    await putStatus(store, statusAt('healthy', undefined, 2));
    const outcome = await deliverNotificationJob(deps, notificationJobOf(due, 2));
    expect(outcome).toMatchObject({ sent: 0, stale: 2 });
    expect(sent).toEqual([]);
    expect(requeued).toEqual([]);
  });

  test('the last try, or a refusal, becomes the NotificationError condition; a busy app gets the failures back later', async () => {
    const { deps, store, requeued } = setup(() => ({
      ok: false,
      retry: false,
      error: 'slack on-sync-failed: answered 404',
    }));
    await putStatus(store, failed);
    const busy = (await store.acquireLease(app.name, 'worker', 60_000, Date.now()))!;
    const first = await deliverNotificationJob(deps, notificationJobOf(due.slice(1)));
    expect(first).toMatchObject({ failed: 1, recorded: false });
    expect(requeued[0]!.job).toMatchObject({
      notifications: [],
      failures: ['slack on-sync-failed: answered 404 (after 1 try)'],
    });
    await store.releaseLease(busy);
    expect(
      await deliverNotificationJob(deps, parseNotificationJob(JSON.stringify(requeued[0]!.job))),
    ).toMatchObject({
      recorded: true,
    });
    const condition = (await store.getStatus(app.name))?.conditions?.find(
      (k) => k.type === 'NotificationError',
    );
    expect(condition?.message).toBe('slack on-sync-failed: answered 404 (after 1 try)');
  });

  test('a body that is no job is refused by name', () => {
    for (const body of [
      '{',
      '{"kind":"notifications","attempt":0,"notifications":[]}',
      '{"kind":"x"}',
      'null',
    ])
      expect(() => parseNotificationJob(body)).toThrow(/notification job/);
  });
});
