import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, writeTransaction } from '../../../../shared/adapters/local/sqlite-database.js';
import { SqliteJobQueue } from '../../../../shared/adapters/local/sqlite-job-queue.js';
import { SqliteStateStore } from '../../../../shared/adapters/local/sqlite-state-store.js';
import { sqliteGroupCommit } from '../../../../shared/runtime/group-commit.js';

// Which commits wait for the disk: a record (a step's result, a definition, a sent message) is
// synced before its call returns; bookkeeping (leases, queue claims and acks, run counters)
// commits without a sync of its own, and the connection is back at FULL afterwards. What a
// bookkeeping commit wrote is readable by another connection at once (it is committed).
const NORMAL = 1;
const FULL = 2;

describe('bookkeeping commits', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gitferry-bookkeeping-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const level = (db: ReturnType<typeof openDatabase>) => db.pragma('synchronous', { simple: true });

  test('a record commits at FULL, bookkeeping at NORMAL, and the connection stays at FULL', () => {
    const db = openDatabase(join(dir, 'levels.db'));
    const seen: unknown[] = [];
    writeTransaction(db, () => void seen.push(level(db)));
    writeTransaction(db, () => void seen.push(level(db)), 'bookkeeping');
    seen.push(level(db));
    expect(seen).toEqual([FULL, NORMAL, FULL]);
    db.close();
  });

  test('a failed bookkeeping transaction also leaves the connection at FULL', () => {
    const db = openDatabase(join(dir, 'failed.db'));
    expect(() =>
      writeTransaction(
        db,
        () => {
          throw new Error('boom');
        },
        'bookkeeping',
      ),
    ).toThrow('boom');
    expect(level(db)).toBe(FULL);
    db.close();
  });

  test('inside a group commit (already NORMAL) bookkeeping leaves the level to the group commit', () => {
    const db = openDatabase(join(dir, 'group.db'));
    const seen: unknown[] = [];
    const wrapped = sqliteGroupCommit(db).wrap({
      write: () => {
        writeTransaction(db, () => void seen.push(level(db)), 'bookkeeping');
        seen.push(level(db)); // still the group commit's NORMAL, not FULL
      },
    });
    wrapped.write();
    seen.push(level(db));
    expect(seen).toEqual([NORMAL, NORMAL, FULL]);
    db.close();
  });

  test("a sync's leases, claims, acks and run ids are bookkeeping; its step result is a record", async () => {
    const file = join(dir, 'store.db');
    const db = openDatabase(file);
    const levels: { sql: string; level: unknown }[] = [];
    // Every statement the store and the queue run in a write transaction, with the level then.
    const prepare = db.prepare.bind(db);
    db.prepare = ((sql: string) => {
      const stmt = prepare(sql);
      const wrap =
        (fn: (...a: unknown[]) => unknown) =>
        (...a: unknown[]) => {
          if (db.inTransaction)
            levels.push({ sql: sql.trim().split(/\s+/).slice(0, 3).join(' '), level: level(db) });
          return fn.apply(stmt, a);
        };
      for (const m of ['run', 'get', 'all'] as const) {
        const original = stmt[m] as (...a: unknown[]) => unknown;
        (stmt as unknown as Record<string, unknown>)[m] = wrap(original);
      }
      return stmt;
    }) as typeof db.prepare;
    const store = new SqliteStateStore(db);
    const queue = new SqliteJobQueue(db);
    await queue.send({ app: 'shop', reason: 'refresh', requestedAt: 1 });
    const sent = levels.splice(0);
    const [received] = await queue.receive(1, 0);
    const lease = await store.acquireLease('shop', 'w1', 60_000, Date.now());
    const runId = await store.nextRunId('shop');
    const bookkeeping = levels.splice(0);
    await store.commitStep(lease!, { status: { app: 'shop' } as never });
    const record = levels.splice(0);
    await store.releaseLease(lease!);
    await queue.delete(received!.receipt);
    bookkeeping.push(...levels.splice(0));

    expect(runId).toBe(1);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((s) => s.level === FULL)).toBe(true);
    expect(record.length).toBeGreaterThan(0);
    expect(record.every((s) => s.level === FULL)).toBe(true);
    expect(bookkeeping.length).toBeGreaterThan(3);
    expect(bookkeeping.filter((s) => s.level !== NORMAL)).toEqual([]);
    // Committed all the same: another connection sees the lease released and the message gone.
    const other = openDatabase(file);
    expect(other.prepare('SELECT count(*) AS n FROM job_messages').get()).toEqual({ n: 0 });
    expect(await new SqliteStateStore(other).acquireLease('shop', 'w2', 60_000, Date.now())).toBeDefined();
    other.close();
    db.close();
  });
});
