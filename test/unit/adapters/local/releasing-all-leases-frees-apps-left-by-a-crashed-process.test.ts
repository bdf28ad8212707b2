import { SqliteStateStore } from '../../../../shared/adapters/local/sqlite-state-store.js';
import { LeaseLostError } from '../../../../shared/ports/state-store.js';
import { rejectionOf, tempDatabase, type TempDatabase } from './local-bed.js';

describe('releaseAllLeases', () => {
  let bed: TempDatabase;
  beforeEach(() => (bed = tempDatabase()));
  afterEach(() => bed.remove());

  test('every held lease is freed at once, and their old holders can no longer commit', async () => {
    const crashed = new SqliteStateStore(bed.open());
    const now = Date.now();
    const held = [
      (await crashed.acquireLease('web', 'serve-1', 90_000, now))!,
      (await crashed.acquireLease('api', 'serve-1', 90_000, now))!,
    ];

    const restarted = new SqliteStateStore(bed.open());
    expect(restarted.releaseAllLeases()).toBe(2);
    expect(restarted.releaseAllLeases()).toBe(0);
    expect(await restarted.acquireLease('web', 'serve-2', 90_000, now)).toBeDefined();
    expect(await restarted.acquireLease('api', 'serve-2', 90_000, now)).toBeDefined();

    for (const lease of held) {
      expect(await rejectionOf(crashed.commitStep(lease, { inventory: [] }))).toBeInstanceOf(LeaseLostError);
    }
  });
});
