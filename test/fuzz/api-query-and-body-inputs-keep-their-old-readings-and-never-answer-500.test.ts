import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { createApiApp } from '../../shared/api/api-app.js';
import { openDatabase } from '../../shared/adapters/local/sqlite-database.js';
import { SqliteStateStore } from '../../shared/adapters/local/sqlite-state-store.js';
import {
  CreateAppQuery,
  DeleteAppQuery,
  HistoryQuery,
  ListAppsQuery,
  SyncBody,
} from '../../shared/api/schemas.js';
import { parseApplication } from '../../shared/domain/application-manifest.js';
import { silentLogger } from '../../shared/ports/logger.js';
import { parseYamlValue } from '../../shared/source/yaml.js';
import type { WakeUpHandler } from '../../shared/control/wake-up.js';
import { fuzzRuns } from '../support/fuzz.js';

// The schemas replaced hand-written reads of the query and the body. These properties hold them
// to the old readings (the reference formulas below are the code they replaced) and the whole API
// to never answering 5xx, whatever an attacker puts in a query value or a JSON body.
const queryValue = fc.oneof(
  fc.string(),
  fc.constantFrom('true', 'false', 'TRUE', '', '0', '-1', '1e9', 'NaN', 'Infinity', '__proto__', 'Orphan'),
  fc.integer().map(String),
  fc.array(fc.string(), { minLength: 2, maxLength: 3 }),
);
const first = (v: string | string[]) => (Array.isArray(v) ? v[0]! : v);
const oldClamp = (v: string, max: number, fallback: number) =>
  Math.min(max, Math.max(1, Number(v) || fallback));

describe('API query and body inputs keep their old readings and never answer 500', () => {
  test('limits are clamped, flags are true only for "true" (cascade: false only for "false")', () => {
    fc.assert(
      fc.property(queryValue, (v) => {
        expect(ListAppsQuery.parse({ limit: v }).limit).toBe(oldClamp(first(v), 500, 100));
        expect(HistoryQuery.parse({ limit: v }).limit).toBe(oldClamp(first(v), 100, 10));
        expect(HistoryQuery.parse({ superseded: v }).superseded).toBe(first(v) === 'true');
        expect(CreateAppQuery.parse({ upsert: v }).upsert).toBe(first(v) === 'true');
        expect(DeleteAppQuery.parse({ cascade: v }).cascade).toBe(first(v) !== 'false');
      }),
      { numRuns: fuzzRuns() },
    );
  });

  test('propagationPolicy is accepted in any case and anything else is refused with the old message', () => {
    fc.assert(
      fc.property(queryValue, (v) => {
        const parsed = DeleteAppQuery.safeParse({ propagationPolicy: v });
        const lower = first(v).toLowerCase();
        if (['foreground', 'background', 'orphan'].includes(lower))
          expect(parsed.data?.propagationPolicy).toBe(lower);
        else
          expect(parsed.error?.issues[0]?.message).toBe(
            'propagationPolicy must be foreground, background or orphan',
          );
      }),
      { numRuns: fuzzRuns() },
    );
  });

  test('prune and dryRun are on only when the body says true', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (prune, dryRun) => {
        const body = SyncBody.parse({ prune, dryRun });
        expect(body.prune).toBe(prune === true);
        expect(body.dryRun).toBe(dryRun === true);
      }),
      { numRuns: fuzzRuns() },
    );
  });

  test('no query value or JSON body gets a 5xx from any route', async () => {
    const db = openDatabase(':memory:');
    const store = new SqliteStateStore(db);
    const manifest = readFileSync(new URL('../fixtures/api/busy-app.yaml', import.meta.url), 'utf8');
    const shop = parseApplication(parseYamlValue(manifest, 'busy-app.yaml', 1000)).app;
    await store.putApp(shop);
    const deleted: string[] = [];
    const api = createApiApp({
      store,
      queue: { send: async () => {} },
      controller: {
        deleteApp: async (name: string) => (deleted.push(name), { deleted: [], kept: [] }),
      } as never as WakeUpHandler,
      log: silentLogger,
      now: Date.now,
    });
    const routes = [
      ['GET', '/apps?limit=', 'limit'],
      ['GET', '/apps?cursor=', 'cursor'],
      ['DELETE', '/apps/shop?propagationPolicy=', 'propagationPolicy'],
      ['GET', '/apps/shop/history?limit=', 'limit'],
      ['POST', '/apps/shop/sync', 'body'],
      ['POST', '/apps/shop/rollback', 'body'],
      ['POST', '/clusters', 'body'],
    ] as const;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...routes),
          queryValue,
          fc.jsonValue(),
          async ([method, path, what], v, json) => {
            const query = encodeURIComponent(first(v));
            const res = await api.request(`/api/v1${path}${what === 'body' ? '' : query}`, {
              method,
              body: what === 'body' ? JSON.stringify(json) : undefined,
            });
            expect(res.status).toBeLessThan(500);
            if (method === 'DELETE') await store.putApp(shop);
            if (res.status >= 400)
              expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
          },
        ),
        { numRuns: fuzzRuns(300) },
      );
    } finally {
      db.close();
    }
  });
});
