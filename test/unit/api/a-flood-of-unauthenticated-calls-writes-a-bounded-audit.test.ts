import { createApiApp } from '../../../shared/api/api-app.js';
import { openDatabase } from '../../../shared/adapters/local/sqlite-database.js';
import { SqliteJobQueue } from '../../../shared/adapters/local/sqlite-job-queue.js';
import { SqliteStateStore } from '../../../shared/adapters/local/sqlite-state-store.js';
import { buildAccess, unauthenticatedAuditPerMinute } from '../../../shared/runtime/access.js';
import { silentLogger } from '../../../shared/ports/logger.js';
import type { WakeUpHandler } from '../../../shared/control/wake-up.js';

// A call without a valid credential costs its sender nothing: refused (401) calls are audited, but
// a flood of them must not become a flood of store writes. Calls with a credential are not capped.
test('unauthenticated calls are stored in the audit trail up to the per-minute cap, then only logged', async () => {
  const db = openDatabase(':memory:');
  const store = new SqliteStateStore(db);
  const access = await buildAccess({ adminToken: 'api-token', store }, silentLogger);
  const app = createApiApp({
    store,
    queue: new SqliteJobQueue(db),
    controller: {} as WakeUpHandler,
    log: silentLogger,
    now: Date.now,
    token: 'api-token',
    access,
  });
  const flood = unauthenticatedAuditPerMinute * 3;
  for (let i = 0; i < flood; i++) {
    const res = await app.request('/api/v1/apps/web/sync', {
      method: 'POST',
      headers: { authorization: `Bearer forged-${i}` },
    });
    expect(res.status).toBe(401);
  }
  const refused = (await store.listAudit({ limit: 10_000 })).filter((e) => e.result === 'unauthenticated');
  expect(refused.length).toBeGreaterThan(0);
  expect(refused.length).toBeLessThanOrEqual(unauthenticatedAuditPerMinute * 2); // at most two windows in this run

  // The admin's own calls are still recorded after the flood.
  const ok = await app.request('/api/v1/projects', {
    method: 'POST',
    headers: { authorization: 'Bearer api-token', 'content-type': 'application/json' },
    body: JSON.stringify({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: { name: 'team-a' },
      spec: { sourceRepos: ['*'], destinations: [{ server: '*', namespace: '*' }] },
    }),
  });
  expect(ok.status).toBeLessThan(300);
  const allowed = (await store.listAudit({ limit: 10_000 })).filter((e) => e.result === 'allowed');
  expect(allowed).toEqual([
    expect.objectContaining({ subject: expect.any(String), action: 'POST /api/v1/projects' }),
  ]);
  db.close();
});
