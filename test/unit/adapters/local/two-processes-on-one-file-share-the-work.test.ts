import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SqliteJobQueue } from '../../../../shared/adapters/local/sqlite-job-queue.js';
import { SqliteStateStore } from '../../../../shared/adapters/local/sqlite-state-store.js';
import { tempDatabase, type TempDatabase } from './local-bed.js';

const child = fileURLToPath(new URL('./sqlite-child-process.ts', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface ChildResult {
  apps: string[];
  runIds: number[];
  tokens: number[];
  commits: number;
}

describe('several processes on one SQLite file', () => {
  let bed: TempDatabase;
  beforeEach(() => (bed = tempDatabase()));
  afterEach(() => bed.remove());

  test('every message goes to exactly one process, run ids never repeat and lease tokens never repeat', async () => {
    const queue = new SqliteJobQueue(bed.open());
    const sent = Array.from({ length: 300 }, (_, i) => `app-${i}`);
    for (const app of sent) await queue.send({ app, reason: 'drift', requestedAt: Date.now() });

    const names = ['one', 'two', 'three'];
    const runs = names.map((name) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', child, bed.file, bed.dir, name], {
        cwd: process.cwd(),
      }),
    );
    while (!names.every((n) => existsSync(join(bed.dir, `ready-${n}`)))) await sleep(20);
    writeFileSync(join(bed.dir, 'go'), '');
    const results = (await Promise.all(runs)).map((r) => JSON.parse(r.stdout) as ChildResult);

    const apps = results.flatMap((r) => r.apps);
    expect([...apps].sort()).toEqual([...sent].sort());
    expect(results.filter((r) => r.apps.length > 0).length).toBeGreaterThan(1);
    const runIds = results.flatMap((r) => r.runIds).sort((a, b) => a - b);
    expect(runIds).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    const tokens = results.flatMap((r) => r.tokens);
    expect(new Set(tokens).size).toBe(tokens.length);
    expect(results.reduce((sum, r) => sum + r.commits, 0)).toBe(tokens.length);
    expect(await new SqliteStateStore(bed.open()).nextRunId('shared')).toBe(301);
    expect(await queue.receive(10, 0)).toEqual([]);
  });
});
