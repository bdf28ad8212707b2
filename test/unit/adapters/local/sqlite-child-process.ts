// A second process on the same SQLite file, for two-processes-on-one-file-share-the-work.test.ts:
// `node --import tsx sqlite-child-process.ts <db file> <rendezvous dir> <name>`. It says it is
// ready, waits for the go file, then drains the queue, taking a run id and the contested lease
// (committing under it) for every message, and prints what it got as JSON.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../../../../shared/adapters/local/sqlite-database.js';
import { SqliteJobQueue } from '../../../../shared/adapters/local/sqlite-job-queue.js';
import { SqliteStateStore } from '../../../../shared/adapters/local/sqlite-state-store.js';

const [file, rendezvous, name] = process.argv.slice(2) as [string, string, string];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const db = openDatabase(file);
const queue = new SqliteJobQueue(db, { visibilityTimeoutSeconds: 60, pollIntervalMs: 5 });
const store = new SqliteStateStore(db);
writeFileSync(join(rendezvous, `ready-${name}`), '');
while (!existsSync(join(rendezvous, 'go'))) await sleep(5);

const got = { apps: [] as string[], runIds: [] as number[], tokens: [] as number[], commits: 0 };
for (let idle = 0; idle < 3;) {
  const received = await queue.receive(2, 0.1);
  idle = received.length === 0 ? idle + 1 : 0;
  for (const r of received) {
    got.apps.push(r.job.app);
    got.runIds.push(await store.nextRunId('shared'));
    const lease = await store.acquireLease('contested', name, 60_000, Date.now());
    if (lease) {
      got.tokens.push(lease.token);
      await store.commitStep(lease, { inventory: [] });
      got.commits++;
      await store.releaseLease(lease);
    }
    // A worker's step takes time: one process alone would need seconds, so all of them join in.
    await sleep(5);
    await queue.delete(r.receipt);
  }
}
db.close();
process.stdout.write(JSON.stringify(got));
