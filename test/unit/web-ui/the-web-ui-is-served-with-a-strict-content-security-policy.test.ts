// The built UI is served by the API app: index.html for every UI route (SPA fallback), hashed
// assets cached for good, a CSP without inline code or eval on every answer, and the API's own
// paths never answered with the page.
import { createApiApp } from '../../../shared/api/api-app.js';
import { openDatabase } from '../../../shared/adapters/local/sqlite-database.js';
import { SqliteJobQueue } from '../../../shared/adapters/local/sqlite-job-queue.js';
import { SqliteStateStore } from '../../../shared/adapters/local/sqlite-state-store.js';
import type { WakeUpHandler } from '../../../shared/control/wake-up.js';
import { silentLogger } from '../../../shared/ports/logger.js';

const file = (text: string, contentType: string) => ({ body: new TextEncoder().encode(text), contentType });

describe('the web UI is served with a strict Content-Security-Policy', () => {
  const db = openDatabase(':memory:');
  const app = createApiApp({
    store: new SqliteStateStore(db),
    queue: new SqliteJobQueue(db),
    controller: {} as WakeUpHandler,
    log: silentLogger,
    now: Date.now,
    token: 'api-token',
    ui: {
      files: new Map([
        ['index.html', file('<!doctype html><title>Gitferry</title>', 'text/html; charset=utf-8')],
        ['assets/main-ABC123.js', file('console.log(1)', 'text/javascript; charset=utf-8')],
      ]),
    },
  });
  afterAll(() => db.close());

  test.each(['/', '/applications', '/applications/shop', '/clusters'])(
    '%s answers the page',
    async (path) => {
      const res = await app.request(path);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('<title>Gitferry</title>');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      const csp = res.headers.get('content-security-policy')!;
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    },
  );

  test('hashed assets are cached for good; unknown ones are 404', async () => {
    const res = await app.request('/assets/main-ABC123.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/javascript');
    expect(res.headers.get('cache-control')).toContain('immutable');
    expect((await app.request('/assets/..%2Fapi-token')).status).toBe(404);
    expect((await app.request('/assets/nope.js')).status).toBe(404);
  });

  test('API and sign-in paths never get the page', async () => {
    expect(
      (await app.request('/api/v1/nope', { headers: { authorization: 'Bearer api-token' } })).status,
    ).toBe(404);
    expect((await app.request('/auth/me')).status).toBe(404);
    expect((await app.request('/api/openapi.json')).headers.get('content-type')).toContain(
      'application/json',
    );
  });
});
