import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiApp } from '../../../shared/api/api-app.js';
import { openDatabase, type SqliteDatabase } from '../../../shared/adapters/local/sqlite-database.js';
import { SqliteStateStore } from '../../../shared/adapters/local/sqlite-state-store.js';
import type { App } from '../../../shared/domain/app.js';
import type { SyncRun } from '../../../shared/domain/status.js';
import type { SyncJob } from '../../../shared/domain/sync-job.js';
import { silentLogger } from '../../../shared/ports/logger.js';
import type { WakeUpHandler } from '../../../shared/control/wake-up.js';

// Replayed pushes of old commits once filled the newest 100 history entries with supersessions,
// and `app rollback` then found nothing to roll back to.
const name = 'shop';
const sha = (c: string) => c.repeat(40);
let dir: string;
let db: SqliteDatabase;
let store: SqliteStateStore;
const sent: SyncJob[] = [];

const app: App = {
  name,
  project: 'default',
  sources: [{ repoURL: 'https://git.example.com/acme/shop.git', path: 'deploy', targetRevision: 'main' }],
  destination: { name: 'prod', namespace: name },
  syncPolicy: { automated: {} },
  ignoreDifferences: [],
  revisionHistoryLimit: 10,
  annotations: {},
};

function run(id: number, revision: string, superseded = false): SyncRun {
  return {
    app: name,
    id,
    revision,
    reason: 'webhook',
    phase: 'Succeeded',
    startedAt: '2026-03-01T10:00:00.000Z',
    finishedAt: '2026-03-01T10:00:01.000Z',
    results: [],
    ...(superseded ? { superseded: true, message: 'superseded' } : {}),
  };
}

function api() {
  return createApiApp({
    store,
    queue: { send: async (job) => void sent.push(job) },
    controller: {} as WakeUpHandler,
    log: silentLogger,
    now: Date.now,
  });
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gitferry-rollback-'));
  db = openDatabase(join(dir, 'gitferry.db'));
  store = new SqliteStateStore(db);
  sent.length = 0;
  await store.putApp(app);
  const lease = (await store.acquireLease(name, 'setup', 60_000, Date.now()))!;
  // Deployed: 1 (first), 2 (current). Then 150 supersessions of old commits, as a replay flood left them.
  await store.commitStep(lease, { run: run(1, sha('1')) });
  await store.commitStep(lease, { run: run(2, sha('2')) });
  for (let id = 3; id < 153; id++) await store.commitStep(lease, { run: run(id, sha('0'), true) });
  await store.releaseLease(lease);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('rollback and history behind a flood of supersessions', () => {
  test('rollback with no id pins the previous deployed revision', async () => {
    const res = await api().request(`/api/v1/apps/${name}/rollback`, { method: 'POST', body: '{}' });

    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ pinnedRevision: sha('1'), historyId: 1 });
    expect((await store.getApp(name))?.pinnedRevision).toBe(sha('1'));
    expect(sent.map((j) => j.reason)).toEqual(['manual']);
  });

  test('rollback to a deployed id works; to a superseded id, never applied, is refused', async () => {
    const ok = await api().request(`/api/v1/apps/${name}/rollback`, { method: 'POST', body: '{"id":1}' });
    expect(ok.status).toBe(202);

    const refused = await api().request(`/api/v1/apps/${name}/rollback`, {
      method: 'POST',
      body: '{"id":152}',
    });
    expect(refused.status).toBe(404);
    expect(((await refused.json()) as { detail: string }).detail).toContain(
      'superseded entries were never applied',
    );
  });

  test('history lists deployed runs, and supersessions only when asked', async () => {
    const history = (await (await api().request(`/api/v1/apps/${name}/history`)).json()) as {
      items: { id: number }[];
    };
    expect(history.items.map((r) => r.id)).toEqual([2, 1]);

    const all = (await (
      await api().request(`/api/v1/apps/${name}/history?superseded=true&limit=3`)
    ).json()) as {
      items: { id: number; superseded?: boolean }[];
    };
    expect(all.items.map((r) => [r.id, r.superseded])).toEqual([
      [152, true],
      [151, true],
      [150, true],
    ]);
  });
});
