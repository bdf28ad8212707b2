// The StateStore contract against SqliteStateStore: on a file, and on two connections to one file
// taking turns (what two processes sharing the file see).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type SqliteDatabase } from '../../shared/adapters/local/sqlite-database.js';
import { SqliteStateStore } from '../../shared/adapters/local/sqlite-state-store.js';
import type { StateStore } from '../../shared/ports/state-store.js';
import { describeStateStoreContract } from './state-store-contract.js';

async function openStores(
  connections: number,
): Promise<{ stores: SqliteStateStore[]; dispose(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'gitferry-sqlite-state-'));
  const dbs: SqliteDatabase[] = Array.from({ length: connections }, () =>
    openDatabase(join(dir, 'gitferry.db')),
  );
  return {
    stores: dbs.map((db) => new SqliteStateStore(db)),
    async dispose() {
      for (const db of dbs) db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A StateStore whose every call goes to the next of `stores` in turn. */
function takingTurns(stores: StateStore[]): StateStore {
  let next = 0;
  return new Proxy({} as StateStore, {
    get(_target, method: keyof StateStore) {
      const store = stores[next++ % stores.length]!;
      const fn = store[method] as (...args: unknown[]) => unknown;
      return fn.bind(store);
    },
  });
}

describeStateStoreContract('SqliteStateStore on a file', async () => {
  const { stores, dispose } = await openStores(1);
  return { store: stores[0]!, dispose };
});

describeStateStoreContract('SqliteStateStore on two connections to one file', async () => {
  const { stores, dispose } = await openStores(2);
  return { store: takingTurns(stores), dispose };
});
