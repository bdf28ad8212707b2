// Model-based: any interleaving of requestSync and commitStep(consumedRequestAt) leaves in the
// SQLite store exactly the request a plain model of the port's two rules keeps (newest wins, ties
// replace; a step removes the stored request only if it is the one it took up or older). The
// DynamoDB store is held to the same rules by the contract suite on moto.
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type SqliteDatabase } from '../../shared/adapters/local/sqlite-database.js';
import { SqliteStateStore } from '../../shared/adapters/local/sqlite-state-store.js';
import type { SyncRequest } from '../../shared/ports/state-store.js';
import { fuzzRuns } from '../support/fuzz.js';

type Op = { kind: 'request'; at: number; revision: string } | { kind: 'consume'; at: number };

// Few distinct instants, so ties and equal consumes come up often.
const instant = fc.integer({ min: 0, max: 12 }).map((i) => 1_000 + i * 100);
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('request' as const),
    at: instant,
    revision: fc.stringMatching(/^[0-9a-f]{1,6}$/),
  }),
  fc.record({ kind: fc.constant('consume' as const), at: instant }),
);

describe('the stored sync request', () => {
  let dir: string;
  let db: SqliteDatabase;
  let store: SqliteStateStore;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gitferry-fuzz-'));
    db = openDatabase(join(dir, 'gitferry.db'));
    store = new SqliteStateStore(db);
  });
  afterAll(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  let n = 0;
  test('is the newest one no step has consumed, after any interleaving', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 12 }), async (ops) => {
        const app = `app-${n++}`;
        const lease = (await store.acquireLease(app, 'w', 60_000, Date.now()))!;
        let model: SyncRequest | undefined;
        for (const o of ops) {
          if (o.kind === 'request') {
            const request: SyncRequest = { reason: 'webhook', revision: o.revision, requestedAt: o.at };
            await store.requestSync(app, request);
            if (!model || model.requestedAt <= o.at) model = request;
          } else {
            await store.commitStep(lease, { consumedRequestAt: o.at });
            if (model && model.requestedAt <= o.at) model = undefined;
          }
          expect(await store.getSyncRequest(app)).toEqual(model);
        }
      }),
      { numRuns: fuzzRuns(200) },
    );
  });
});
