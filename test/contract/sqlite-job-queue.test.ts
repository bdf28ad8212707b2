// The JobQueue contract against SqliteJobQueue on a fresh file per test, visibility timeout 1 s.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../shared/adapters/local/sqlite-database.js';
import { SqliteJobQueue } from '../../shared/adapters/local/sqlite-job-queue.js';
import { describeJobQueueContract } from './job-queue-contract.js';

describeJobQueueContract('SqliteJobQueue on a file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gitferry-sqlite-queue-'));
  const db = openDatabase(join(dir, 'gitferry.db'));
  return {
    queue: new SqliteJobQueue(db, { visibilityTimeoutSeconds: 1 }),
    async dispose() {
      db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
