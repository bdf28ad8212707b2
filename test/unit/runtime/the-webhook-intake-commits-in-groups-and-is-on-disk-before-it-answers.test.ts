import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../../shared/adapters/local/sqlite-database.js';
import { SqliteStateStore } from '../../../shared/adapters/local/sqlite-state-store.js';
import { sqliteGroupCommit } from '../../../shared/runtime/group-commit.js';

describe('group commit for the webhook intake', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gitferry-group-commit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('wrapped calls write without a sync of their own, and the connection syncs every other commit again', async () => {
    const db = openDatabase(join(dir, 'a.db'));
    const durability = sqliteGroupCommit(db);
    const seen: number[] = [];
    const probe = durability.wrap({
      write: () => void seen.push(db.pragma('synchronous', { simple: true }) as number),
    });
    probe.write();
    seen.push(db.pragma('synchronous', { simple: true }) as number);
    expect(seen).toEqual([1, 2]); // NORMAL inside, FULL after
    db.close();
  });

  test('flush resolves once the log is synced, for every caller, however many ask at once', async () => {
    const db = openDatabase(join(dir, 'b.db'));
    const durability = sqliteGroupCommit(db);
    const store = durability.wrap(new SqliteStateStore(db));
    const claims = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const claim = await store.claimDelivery(`github:d-${i}`, 60, Date.now());
        await durability.flush();
        return claim;
      }),
    );
    expect(claims.every((c) => c === 'new')).toBe(true);
    // A second connection (another process, after a crash) reads what was flushed.
    const other = new SqliteStateStore(openDatabase(join(dir, 'b.db')));
    expect(await other.claimDelivery('github:d-7', 60, Date.now())).toBe('pending');
    await durability.close();
    db.close();
  });

  test('an in-memory database has nothing to sync', async () => {
    const db = openDatabase(':memory:');
    await expect(sqliteGroupCommit(db).flush()).resolves.toBeUndefined();
    db.close();
  });
});
