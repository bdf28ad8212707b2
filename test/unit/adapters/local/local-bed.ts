// Helpers for the local adapters' unit tests: a throwaway SQLite file and a clock tests move.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type SqliteDatabase } from '../../../../shared/adapters/local/sqlite-database.js';
import type { Clock } from '../../../../shared/ports/clock.js';

export interface TempDatabase {
  dir: string;
  file: string;
  /** Opens another connection to the same file (closed by remove()). */
  open(): SqliteDatabase;
  remove(): void;
}

export function tempDatabase(): TempDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'gitferry-local-'));
  const file = join(dir, 'gitferry.db');
  const opened: SqliteDatabase[] = [];
  return {
    dir,
    file,
    open() {
      const db = openDatabase(file);
      opened.push(db);
      return db;
    },
    remove() {
      for (const db of opened) if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface FakeClock extends Clock {
  advance(ms: number): void;
}

export function fakeClock(start = 1_767_225_600_000): FakeClock {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}

export async function rejectionOf(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected a rejection, but the promise resolved');
}
