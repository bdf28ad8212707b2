import { readFileSync } from 'node:fs';
import { createApiApp } from '../../../shared/api/api-app.js';
import { openDatabase, type SqliteDatabase } from '../../../shared/adapters/local/sqlite-database.js';
import { SqliteJobQueue } from '../../../shared/adapters/local/sqlite-job-queue.js';
import { SqliteStateStore } from '../../../shared/adapters/local/sqlite-state-store.js';
import { parseApplication } from '../../../shared/domain/application-manifest.js';
import { AppBusyError } from '../../../shared/domain/errors.js';
import { silentLogger } from '../../../shared/ports/logger.js';
import { parseYamlValue } from '../../../shared/source/yaml.js';
import { WakeUpHandler } from '../../../shared/control/wake-up.js';

// A DELETE that finds the app's lease held (a sync running) was a plain Error, answered 500
// "see the server log". It is an AppBusyError now, answered 409 by its class.
const manifest = readFileSync(new URL('../../fixtures/api/busy-app.yaml', import.meta.url), 'utf8');
const headers = { authorization: 'Bearer t' };
let db: SqliteDatabase;
let store: SqliteStateStore;
let controller: WakeUpHandler;

beforeEach(async () => {
  db = openDatabase(':memory:');
  store = new SqliteStateStore(db);
  const queue = new SqliteJobQueue(db);
  controller = new WakeUpHandler({
    store,
    queue,
    // Never reached: a busy app is refused before its cluster is looked at.
    connector: {} as never,
    renderer: {} as never,
    credentials: async () => undefined,
    clock: { now: Date.now },
    log: silentLogger,
    holder: 'api',
  });
  await store.putApp(parseApplication(parseYamlValue(manifest, 'busy-app.yaml', 1000)).app);
});
afterEach(() => db.close());

function api() {
  return createApiApp({
    store,
    queue: new SqliteJobQueue(db),
    controller,
    log: silentLogger,
    now: Date.now,
    token: 't',
  });
}

describe('deleting an app while a sync holds its lease', () => {
  test('the controller throws an AppBusyError naming the app', async () => {
    await store.acquireLease('shop', 'worker-1', 60_000, Date.now());

    const err = await controller
      .deleteApp('shop', { cascade: true, propagationPolicy: 'Foreground' })
      .catch((e: unknown) => e);

    expect(err).toBeInstanceOf(AppBusyError);
    expect(err).toMatchObject({ code: 'app:busy', app: 'shop' });
  });

  test('the API answers 409 Conflict with the reason, and the app is still there', async () => {
    await store.acquireLease('shop', 'worker-1', 60_000, Date.now());

    const res = await api().request('/api/v1/apps/shop?cascade=false', { method: 'DELETE', headers });

    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toEqual({
      type: 'about:blank',
      title: 'Conflict',
      status: 409,
      detail: 'App/shop is being synced right now; try again in a few seconds',
    });
    expect(await store.getApp('shop')).toBeDefined();
  });

  test('once the lease is released the same request deletes the app', async () => {
    const lease = (await store.acquireLease('shop', 'worker-1', 60_000, Date.now()))!;
    await store.releaseLease(lease);

    const res = await api().request('/api/v1/apps/shop?cascade=false', { method: 'DELETE', headers });

    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ deleted: [], kept: [] });
    expect(await store.getApp('shop')).toBeUndefined();
  });
});
