import type { App } from '../../../shared/domain/app.js';
import type { AppStatus } from '../../../shared/domain/status.js';
import type { SyncJob } from '../../../shared/domain/sync-job.js';
import { decideWakeUp, isHealthRecheck, type WakeUpDecision } from '../../../shared/control/decide.js';
import type { StoredOperation, SyncRequest } from '../../../shared/ports/state-store.js';

const head = 'a'.repeat(40);
const older = 'b'.repeat(40);

const app = (policy: Partial<App['syncPolicy']> = {}, pinnedRevision?: string): App =>
  ({
    name: 'web',
    project: 'default',
    sources: [{ repoURL: 'https://git.example.com/web', path: 'deploy', targetRevision: 'main' }],
    destination: { name: 'prod', namespace: 'web' },
    syncPolicy: { ...policy },
    pinnedRevision,
  }) as App;
const automated = (extra: object = {}) => ({ automated: { prune: true, ...extra } });
const status = (sync: AppStatus['sync'], operation?: AppStatus['operation']): AppStatus => ({
  app: 'web',
  sync,
  health: { status: 'Healthy' },
  resources: [],
  operation,
});
const job = (reason: SyncJob['reason'], revision?: string): SyncJob => ({
  app: 'web',
  reason,
  revision,
  requestedAt: 1,
});
const request = (reason: SyncRequest['reason'], extra: Partial<SyncRequest> = {}): SyncRequest => ({
  reason,
  requestedAt: 1,
  ...extra,
});
const operation: StoredOperation = {
  runId: 7,
  revision: head,
  reason: 'webhook',
  state: undefined,
  attempt: 1,
  startedAt: 1,
};
const closed = { open: false as const, reason: 'deny window "0 9 * * *" for 1h (UTC)', opensAt: 5 };
const deployed = status({ status: 'Synced', revision: head });

// One row per case: what the app, its status, the request and the job say → what the wake-up does.
const table: [string, Parameters<typeof decideWakeUp>[0], WakeUpDecision][] = [
  [
    'an operation in progress continues, whatever else is asked',
    {
      job: job('manual'),
      app: app(automated()),
      status: deployed,
      request: request('manual'),
      operation,
      revision: older,
    },
    'continue-sync',
  ],
  [
    'a push of an older revision while the head is deployed is superseded',
    {
      job: job('webhook', older),
      app: app(automated()),
      status: deployed,
      request: request('webhook', { revision: older }),
      operation: undefined,
      revision: head,
    },
    'superseded',
  ],
  [
    'a push of an older revision on a manual app is superseded too',
    {
      job: job('webhook', older),
      app: app(),
      status: deployed,
      request: undefined,
      operation: undefined,
      revision: head,
    },
    'superseded',
  ],
  [
    'a push of the head itself on an automated app that already runs it refreshes',
    {
      job: job('webhook', head),
      app: app(automated()),
      status: deployed,
      request: request('webhook', { revision: head }),
      operation: undefined,
      revision: head,
    },
    'refresh',
  ],
  [
    'a push while pinned by a rollback is never superseded, and syncs nothing new',
    {
      job: job('webhook', older),
      app: app(automated(), head),
      status: deployed,
      request: undefined,
      operation: undefined,
      revision: head,
    },
    'refresh',
  ],
  [
    "a push whose revision is one of a multi-source app's revisions is not superseded",
    {
      job: job('webhook', older),
      app: app(automated()),
      status: status({ status: 'Synced', revision: `${head} ${older}` }),
      request: undefined,
      operation: undefined,
      revision: `${head} ${older}`,
    },
    'refresh',
  ],
  [
    'a push of a new head on an automated app syncs',
    {
      job: job('webhook', head),
      app: app(automated()),
      status: status({ status: 'Synced', revision: older }),
      request: request('webhook', { revision: head }),
      operation: undefined,
      revision: head,
    },
    'start-sync',
  ],
  [
    'a push of a new head on a manual app only refreshes (OutOfSync)',
    {
      job: job('webhook', head),
      app: app(),
      status: status({ status: 'Synced', revision: older }),
      request: undefined,
      operation: undefined,
      revision: head,
    },
    'refresh',
  ],
  [
    'a manual sync syncs, even with nothing new',
    {
      job: job('manual'),
      app: app(),
      status: deployed,
      request: request('manual'),
      operation: undefined,
      revision: head,
    },
    'start-sync',
  ],
  [
    'an automatic rollback syncs a manual app too (its pin is the revision)',
    {
      job: job('rollback'),
      app: app({}, older),
      status: deployed,
      request: request('rollback'),
      operation: undefined,
      revision: head,
    },
    'start-sync',
  ],
  [
    'a manual dry run starts a (dry-run) sync',
    {
      job: job('manual'),
      app: app(),
      status: deployed,
      request: request('manual', { dryRun: true }),
      operation: undefined,
      revision: head,
    },
    'start-sync',
  ],
  [
    'a retry request syncs again',
    {
      job: job('retry'),
      app: app(automated()),
      status: status({ status: 'OutOfSync', revision: head }),
      request: request('retry'),
      operation: undefined,
      revision: head,
    },
    'start-sync',
  ],
  [
    'drift on a self-healing app syncs',
    {
      job: job('drift'),
      app: app(automated({ selfHeal: true })),
      status: status({ status: 'OutOfSync', revision: head }),
      request: undefined,
      operation: undefined,
      revision: head,
    },
    'start-sync',
  ],
  [
    'drift on a self-healing app whose last attempt at this revision failed only refreshes',
    {
      job: job('drift'),
      app: app(automated({ selfHeal: true })),
      status: status(
        { status: 'OutOfSync', revision: head },
        { phase: 'Failed', revision: head, startedAt: 't', message: 'operation terminated by user' },
      ),
      request: undefined,
      operation: undefined,
      revision: head,
    },
    'refresh',
  ],
  [
    'drift on a self-healing app whose failed attempt was at an older revision syncs',
    {
      job: job('drift'),
      app: app(automated({ selfHeal: true })),
      status: status(
        { status: 'OutOfSync', revision: head },
        { phase: 'Failed', revision: older, startedAt: 't' },
      ),
      request: undefined,
      operation: undefined,
      revision: head,
    },
    'start-sync',
  ],
  [
    'drift on an automated app without self-heal only refreshes',
    {
      job: job('drift'),
      app: app(automated()),
      status: status({ status: 'OutOfSync', revision: head }),
      request: undefined,
      operation: undefined,
      revision: head,
    },
    'refresh',
  ],
  [
    'automated sync switched off with enabled: false only refreshes',
    {
      job: job('webhook', head),
      app: app({ automated: { enabled: false } }),
      status: status({ status: 'Synced', revision: older }),
      request: undefined,
      operation: undefined,
      revision: head,
    },
    'refresh',
  ],
  [
    'a health recheck of an unchanged app refreshes',
    {
      job: job('refresh'),
      app: app(automated()),
      status: deployed,
      request: undefined,
      operation: undefined,
      revision: head,
    },
    'refresh',
  ],
  [
    'a drift check of an unchanged app refreshes',
    {
      job: job('drift'),
      app: app(automated({ selfHeal: true })),
      status: deployed,
      request: undefined,
      operation: undefined,
      revision: head,
    },
    'refresh',
  ],
  [
    'an automated app never synced before syncs',
    {
      job: job('drift'),
      app: app(automated()),
      status: undefined,
      request: undefined,
      operation: undefined,
      revision: head,
    },
    'start-sync',
  ],
  [
    'a sync interrupted while Running (its operation lost) starts again',
    {
      job: job('drift'),
      app: app(automated()),
      status: status(
        { status: 'Synced', revision: head },
        { phase: 'Running', revision: head, startedAt: '', runId: 3 },
      ),
      request: undefined,
      operation: undefined,
      revision: head,
    },
    'start-sync',
  ],
  [
    'a push during a closed window waits for it (window-closed)',
    {
      job: job('webhook', head),
      app: app(automated()),
      status: status({ status: 'Synced', revision: older }),
      request: request('webhook'),
      operation: undefined,
      revision: head,
      windows: { automated: closed, manual: closed },
    },
    'window-closed',
  ],
  [
    'the same push once the window is open starts the sync',
    {
      job: job('poll'),
      app: app(automated()),
      status: status({ status: 'Synced', revision: older }),
      request: undefined,
      operation: undefined,
      revision: head,
      windows: { automated: { open: true }, manual: { open: true } },
    },
    'start-sync',
  ],
  [
    'a manual sync passes a deny window with manualSync, an automated one does not',
    {
      job: job('manual'),
      app: app(automated()),
      status: deployed,
      request: request('manual'),
      operation: undefined,
      revision: head,
      windows: { automated: closed, manual: { open: true } },
    },
    'start-sync',
  ],
  [
    'a manual sync in a window closed to manual syncs waits too',
    {
      job: job('manual'),
      app: app(),
      status: deployed,
      request: request('manual'),
      operation: undefined,
      revision: head,
      windows: { automated: closed, manual: closed },
    },
    'window-closed',
  ],
  [
    'a running operation goes on whatever the window says',
    {
      job: job('continue'),
      app: app(automated()),
      status: deployed,
      request: undefined,
      operation,
      revision: head,
      windows: { automated: closed, manual: closed },
    },
    'continue-sync',
  ],
  [
    'nothing to sync: a closed window changes nothing (refresh)',
    {
      job: job('drift'),
      app: app(automated()),
      status: deployed,
      request: undefined,
      operation: undefined,
      revision: head,
      windows: { automated: closed, manual: closed },
    },
    'refresh',
  ],
  [
    'a push while a dependency is not ready waits for it',
    {
      job: job('webhook', head),
      app: app(automated()),
      status: status({ status: 'Synced', revision: older }),
      request: request('webhook'),
      operation: undefined,
      revision: head,
      waitingFor: ['db (it is OutOfSync and Healthy)'],
    },
    'waiting',
  ],
  [
    'a manual sync overrides the dependency wait',
    {
      job: job('manual'),
      app: app(automated()),
      status: deployed,
      request: request('manual'),
      operation: undefined,
      revision: head,
      waitingFor: ['db (it is OutOfSync and Healthy)'],
    },
    'start-sync',
  ],
  [
    'with every dependency ready, the push syncs',
    {
      job: job('poll'),
      app: app(automated()),
      status: status({ status: 'Synced', revision: older }),
      request: undefined,
      operation: undefined,
      revision: head,
      waitingFor: [],
    },
    'start-sync',
  ],
  [
    'nothing to sync: waiting dependencies change nothing (refresh)',
    {
      job: job('drift'),
      app: app(automated()),
      status: deployed,
      request: undefined,
      operation: undefined,
      revision: head,
      waitingFor: ['db (it does not exist)'],
    },
    'refresh',
  ],
];

describe('the wake-up decision', () => {
  test.each(table)('%s', (_name, facts, expected) => {
    expect(decideWakeUp(facts)).toBe(expected);
  });
});

describe('a health recheck', () => {
  test.each<[string, SyncJob, StoredOperation | undefined, SyncRequest | undefined, boolean]>([
    ['with nothing else to do reads health only', job('health'), undefined, undefined, true],
    ['during an operation lets the operation continue', job('health'), operation, undefined, false],
    ['with a push waiting takes the full path', job('health'), undefined, request('webhook'), false],
    ['with a manual sync waiting takes the full path', job('health'), undefined, request('manual'), false],
    ['is only ever a wake-up sent as one', job('refresh'), undefined, undefined, false],
  ])('%s', (_name, j, op, req, expected) => {
    expect(isHealthRecheck(j, op, req)).toBe(expected);
  });
});
