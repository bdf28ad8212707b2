// The API app in-process on an in-memory SQLite store, for route tests that need no test bed.
import { createApiApp, type ApiDeps } from '../../../shared/api/api-app.js';
import { openDatabase } from '../../../shared/adapters/local/sqlite-database.js';
import { SqliteJobQueue } from '../../../shared/adapters/local/sqlite-job-queue.js';
import { SqliteStateStore } from '../../../shared/adapters/local/sqlite-state-store.js';
import type { Logger } from '../../../shared/ports/logger.js';
import type { WakeUpHandler } from '../../../shared/control/wake-up.js';

const quiet: Logger = { info: () => {}, warn: () => {}, error: () => {} };

export interface ApiBed {
  store: SqliteStateStore;
  app: ReturnType<typeof createApiApp>;
  written: Map<string, string>;
  call(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  close(): void;
}

export function startApiBed(deps: Partial<ApiDeps> = {}): ApiBed {
  const db = openDatabase(':memory:');
  const store = new SqliteStateStore(db);
  const written = new Map<string, string>();
  const app = createApiApp({
    store,
    queue: new SqliteJobQueue(db),
    // Cluster routes never reach the controller.
    controller: {} as WakeUpHandler,
    log: quiet,
    now: Date.now,
    token: 'api-token',
    writeSecret: async (name, value) => void written.set(name, value),
    ...deps,
  });
  return {
    store,
    app,
    written,
    async call(method, path, body) {
      const res = await app.request(path, {
        method,
        headers: { authorization: 'Bearer api-token', 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    close: () => db.close(),
  };
}
