import { SqliteStateStore } from '../../../../shared/adapters/local/sqlite-state-store.js';
import { LeaseLostError } from '../../../../shared/ports/state-store.js';
import { rejectionOf, tempDatabase, type TempDatabase } from './local-bed.js';

describe('fencing tokens', () => {
  let bed: TempDatabase;
  beforeEach(() => (bed = tempDatabase()));
  afterEach(() => bed.remove());

  test('a holder whose app was deleted and re-created cannot commit with its old lease, even under the same holder name', async () => {
    const store = new SqliteStateStore(bed.open());
    const now = Date.now();
    const old = (await store.acquireLease('web', 'serve-1', 60_000, now))!;
    await store.deleteApp('web');
    const fresh = (await store.acquireLease('web', 'serve-1', 60_000, now))!;

    expect(fresh.token).toBeGreaterThan(old.token);
    const err = await rejectionOf(store.commitStep(old, { inventory: [] }));
    expect(err).toBeInstanceOf(LeaseLostError);
    await expect(store.commitStep(fresh, { inventory: [] })).resolves.toBeUndefined();
  });

  test('tokens increase across connections to the same file', async () => {
    const a = new SqliteStateStore(bed.open());
    const b = new SqliteStateStore(bed.open());
    const now = Date.now();
    const tokens: number[] = [];
    for (let i = 0; i < 6; i++) {
      const store = i % 2 ? b : a;
      const lease = (await store.acquireLease('web', `worker-${i}`, 60_000, now))!;
      tokens.push(lease.token);
      await store.releaseLease(lease);
    }

    expect(tokens).toEqual([...tokens].sort((x, y) => x - y));
    expect(new Set(tokens).size).toBe(6);
  });
});
