import { createApiApp } from '../../../shared/api/api-app.js';
import { ruleFor } from '../../../shared/api/authorize.js';
import { openDatabase } from '../../../shared/adapters/local/sqlite-database.js';
import { SqliteStateStore } from '../../../shared/adapters/local/sqlite-state-store.js';
import { silentLogger } from '../../../shared/ports/logger.js';
import type { WakeUpHandler } from '../../../shared/control/wake-up.js';

// A route missing from the table is for admins only (never open by accident); this names it, so
// whoever adds a route also says who may call it (shared/api/authorize.ts, routePermissions).
const db = openDatabase(':memory:');
const api = createApiApp({
  store: new SqliteStateStore(db),
  queue: { send: async () => {} },
  controller: {} as WakeUpHandler,
  log: silentLogger,
  now: Date.now,
});
afterAll(() => db.close());

test('every /api/v1 route has a rule in the permission table', () => {
  const routed = api.routes
    .filter((r) => r.method !== 'ALL' && r.path.startsWith('/api/v1/'))
    .map((r) => ({ method: r.method, path: r.path.slice('/api/v1'.length).replace(/:(\w+)/g, 'x') }));
  expect(routed.length).toBeGreaterThan(10);
  expect(routed.filter((r) => !ruleFor(r.method, r.path)).map((r) => `${r.method} ${r.path}`)).toEqual([]);
});
