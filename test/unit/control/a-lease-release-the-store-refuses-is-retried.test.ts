import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type SqliteDatabase } from '../../../shared/adapters/local/sqlite-database.js';
import { SqliteStateStore } from '../../../shared/adapters/local/sqlite-state-store.js';
import type { Lease } from '../../../shared/ports/state-store.js';
import { WakeUpHandler } from '../../../shared/control/wake-up.js';

// A release the store refuses (DynamoDB throttling in a burst longer than the SDK's retries) is
// tried again: the app is free for the next wake-up at once, not after the lease's TTL (5 min).
let dir: string;
let db: SqliteDatabase;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gitferry-release-'));
  db = openDatabase(join(dir, 'gitferry.db'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A store whose first `refusals` releases fail as a throttled DynamoDB call would. */
class RefusingStore extends SqliteStateStore {
  attempts = 0;
  constructor(
    database: SqliteDatabase,
    private readonly refusals: number,
  ) {
    super(database);
  }
  override async releaseLease(lease: Lease): Promise<void> {
    if (this.attempts++ < this.refusals)
      throw new Error('ProvisionedThroughputExceededException: rate of requests exceeds');
    return super.releaseLease(lease);
  }
}

function handlerOn(store: SqliteStateStore, warnings: string[]) {
  return new WakeUpHandler({
    store,
    queue: { send: async () => {} },
    connector: { connect: async () => Promise.reject(new Error('not reached')) },
    renderer: {} as never,
    credentials: async () => undefined,
    clock: { now: () => Date.now() },
    log: { info: () => {}, warn: (message) => void warnings.push(message), error: () => {} },
    holder: 'worker-1',
    options: { releaseRetryMs: [1, 1, 1] },
  });
}

test.each([
  { refusals: 2, attempts: 3, warnings: [], freed: true },
  {
    refusals: 100,
    attempts: 4,
    warnings: ['could not release the lease; the app waits for its expiry'],
    freed: false,
  },
])(
  'a release refused $refusals times: $attempts attempts, freed $freed, and a warning when it stays held',
  async ({ refusals, attempts, warnings, freed }) => {
    const store = new RefusingStore(db, refusals);
    const seen: string[] = [];
    // The app does not exist: the wake-up takes the lease, finds nothing, and releases it.
    expect(
      await handlerOn(store, seen).handle({ app: 'shop', reason: 'webhook', requestedAt: Date.now() }),
    ).toBe('gone');
    expect(store.attempts).toBe(attempts);
    expect(seen).toEqual(warnings);
    expect((await store.acquireLease('shop', 'next-worker', 60_000, Date.now())) !== undefined).toBe(freed);
  },
);
