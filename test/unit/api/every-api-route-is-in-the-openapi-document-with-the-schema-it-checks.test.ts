import { createApiApp } from '../../../shared/api/api-app.js';
import { openDatabase } from '../../../shared/adapters/local/sqlite-database.js';
import { SqliteStateStore } from '../../../shared/adapters/local/sqlite-state-store.js';
import { silentLogger } from '../../../shared/ports/logger.js';
import type { WakeUpHandler } from '../../../shared/control/wake-up.js';

// The document was hand-written next to the routes and could drift from them; it is generated
// from the routes' own schemas now. These hold the two together.
interface Operation {
  parameters?: { name: string; in: string; schema: { enum?: string[] } }[];
  requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> };
  responses: Record<string, unknown>;
}
type Document = { paths: Record<string, Record<string, Operation>>; security: unknown };

const db = openDatabase(':memory:');
const api = createApiApp({
  store: new SqliteStateStore(db),
  queue: { send: async () => {} },
  controller: {} as WakeUpHandler,
  log: silentLogger,
  now: Date.now,
});
afterAll(() => db.close());

async function document(): Promise<Document> {
  return (await (await api.request('/api/openapi.json')).json()) as Document;
}

describe('every API route is in the OpenAPI document with the schema it checks', () => {
  test('the documented operations are exactly the /api/v1 routes the server answers', async () => {
    const documented = Object.entries((await document()).paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    const routed = api.routes
      .filter((r) => r.method !== 'ALL' && r.path.startsWith('/api/v1/'))
      .map((r) => `${r.method} ${r.path}`);

    expect([...new Set(routed)].sort()).toEqual(documented.sort());
    expect(documented).toHaveLength(27);
  });

  test('a query value outside the documented enum is refused with 400 naming the parameter', async () => {
    const del = (await document()).paths['/api/v1/apps/{name}']!.delete!;
    const policy = del.parameters!.find((p) => p.name === 'propagationPolicy')!;
    expect(policy.schema.enum).toEqual(['foreground', 'background', 'orphan']);

    const res = await api.request('/api/v1/apps/shop?propagationPolicy=sideways', { method: 'DELETE' });

    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      detail: 'propagationPolicy must be foreground, background or orphan',
      field: 'propagationPolicy',
    });
  });

  test('request bodies document the fields the server reads, and not insecureSkipVerify', async () => {
    const { paths } = await document();
    const fields = (path: string) =>
      Object.keys(paths[path]!.post!.requestBody!.content['application/json']!.schema.properties ?? {});

    expect(fields('/api/v1/apps/{name}/sync')).toEqual(['revision', 'prune', 'dryRun', 'timeoutSeconds']);
    expect(fields('/api/v1/apps/{name}/rollback')).toEqual(['id']);
    expect(fields('/api/v1/clusters')).not.toContain('insecureSkipVerify');
    expect(fields('/api/v1/clusters')).toEqual(
      expect.arrayContaining(['name', 'server', 'caData', 'token', 'tokenSecret']),
    );
  });

  test('every operation answers problems as documented and the bearer scheme is required', async () => {
    const doc = await document();
    expect(doc.security).toEqual([{ bearer: [] }]);
    for (const ops of Object.values(doc.paths))
      for (const op of Object.values(ops))
        expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['400', '401']));
  });
});
