/**
 * SqliteJobQueue: the wake-up queue of `gitferry serve`, on the same SQLite file as the store
 * (schema in sqlite-database.ts). It keeps the SQS standard-queue semantics the worker relies on:
 *
 * - per-message delay: a message is invisible until its `visible_at` (capped at 900 s like SQS);
 * - visibility timeout: a received message is hidden for `visibilityTimeoutSeconds` and comes back
 *   with its receive count incremented unless it is deleted first;
 * - dead letters: a message already received `maxReceiveCount` times is moved to `dead_letters`
 *   (with its body, receive count and the time) by the next receive instead of being delivered,
 *   as an SQS redrive policy does;
 * - receipts are unique per receive: deleting with the receipt of an earlier receive does nothing
 *   (the message was redelivered and belongs to someone else now);
 * - long polling: receive(max, waitSeconds) checks every `pollIntervalMs` until something is
 *   visible or the wait is over; a send through the same instance wakes waiting receivers at once;
 * - fair delivery, as SQS fair queues do: each message belongs to a tenant (its job's `group`, the
 *   app's cluster; the jobs without one, people's requests, share the tenant ''), and a receive takes the oldest visible
 *   message of the tenant with the fewest messages in flight. A thousand wake-ups for one cluster
 *   then hold no more than their share of the workers, and another cluster's wake-up, sent after
 *   them, goes next rather than last. Within a tenant, delivery stays oldest first;
 * - durable: everything is in the file, so a message received but not deleted when the process
 *   dies is delivered again once its visibility timeout has passed, after a restart too.
 *
 * Claiming messages is one IMMEDIATE transaction, so concurrent receivers (async callers in this
 * process, or another process on the same file) never get the same delivery. Idle polls only read
 * (a cheap indexed lookup) and take no write lock.
 */
import { randomUUID } from 'node:crypto';
import { redactDeep } from '../../domain/redact.js';
import { isWakeUpGroup, type SyncJob } from '../../domain/sync-job.js';
import { systemClock, type Clock } from '../../ports/clock.js';
import type { PollingJobQueue, ReceivedJob } from '../../ports/job-queue.js';
import {
  messageOf,
  migrate,
  SqliteStoreError,
  writeTransaction,
  type SqliteDatabase,
} from './sqlite-database.js';

/** SQS's per-message delay limit; longer waits are chained by the worker. */
export const maxDelaySeconds = 900;
/** SQS's largest batch and longest long-poll; kept so local mode behaves as deployed. */
export const maxReceiveBatch = 10;
export const maxWaitSeconds = 20;

export interface SqliteJobQueueOptions {
  /** How long a received message stays hidden before it is delivered again. Default 60 s (SQS: 30). */
  visibilityTimeoutSeconds: number;
  /** Deliveries before a message goes to the dead letters instead. Default 5; Infinity keeps retrying. */
  maxReceiveCount: number;
  /** How often a long poll looks for visible messages. Default 50 ms. */
  pollIntervalMs: number;
  /** Time for delays and visibility (the long poll itself waits in real time). Default the system clock. */
  clock: Clock;
}

export const defaultSqliteJobQueueOptions: SqliteJobQueueOptions = {
  visibilityTimeoutSeconds: 60,
  maxReceiveCount: 5,
  pollIntervalMs: 50,
  clock: systemClock,
};

/** A message that was received too often without being deleted (or could not be read). */
export interface DeadLetter {
  /** The dead letter's own id. */
  id: number;
  /** The id the message had in the queue. */
  messageId: number;
  /** The parsed job; undefined when the body is not a readable SyncJob. */
  job?: SyncJob;
  body: string;
  receiveCount: number;
  /** Epoch ms. */
  sentAt: number;
  /** When it was moved to the dead letters, epoch ms. */
  deadAt: number;
  /** Why: `max receives` or `unreadable: …`. */
  reason: string;
}

interface MessageRow {
  id: number;
  body: string;
  sent_at: number;
  receive_count: number;
}

interface DeadLetterRow {
  id: number;
  message_id: number;
  body: string;
  sent_at: number;
  receive_count: number;
  dead_at: number;
  reason: string;
}

export class SqliteJobQueue implements PollingJobQueue {
  private readonly opts: SqliteJobQueueOptions;
  private readonly sql: Statements;
  /** Receivers napping in a long poll; a send through this instance wakes them. */
  private readonly napping = new Set<() => void>();

  constructor(
    private readonly db: SqliteDatabase,
    opts: Partial<SqliteJobQueueOptions> = {},
  ) {
    this.opts = { ...defaultSqliteJobQueueOptions, ...opts };
    if (!(this.opts.visibilityTimeoutSeconds > 0) || !(this.opts.maxReceiveCount >= 1)) {
      throw new SqliteStoreError(
        'queue:invalid',
        `Job queue options are invalid: visibilityTimeoutSeconds ${this.opts.visibilityTimeoutSeconds} must be > 0 and maxReceiveCount ${this.opts.maxReceiveCount} ≥ 1`,
      );
    }
    migrate(db);
    this.sql = prepareStatements(db);
  }

  async send(job: SyncJob, opts: { delaySeconds?: number } = {}): Promise<void> {
    const subject = `Job for App/${String(job?.app)}`;
    const body = encodeJob(subject, job);
    const requested = opts.delaySeconds ?? 0;
    if (Number.isNaN(requested))
      throw new SqliteStoreError('queue:invalid', `${subject} has a delay that is NaN`);
    const delay = Math.max(0, Math.min(maxDelaySeconds, Math.ceil(requested)));
    const now = this.opts.clock.now();
    this.run(subject, 'send', () =>
      writeTransaction(this.db, () => this.sql.insert.run(body, now, now + delay * 1000, tenantOf(job))),
    );
    if (delay === 0) for (const wake of [...this.napping]) wake();
  }

  async receive(max: number, waitSeconds: number): Promise<ReceivedJob[]> {
    const batch = clamp(Math.floor(max), 1, maxReceiveBatch);
    const deadline = Date.now() + clamp(waitSeconds, 0, maxWaitSeconds) * 1000;
    for (;;) {
      // A closed database means the process is shutting down: an empty receive ends the poll.
      if (!this.db.open) return [];
      const received = this.run('Job queue', 'receive', () => this.claim(batch));
      if (received.length > 0) return received;
      const left = deadline - Date.now();
      if (left <= 0) return [];
      await this.nap(Math.min(this.opts.pollIntervalMs, left));
    }
  }

  /** Deletes the message this receipt was handed out for; a receipt from an earlier receive does nothing. */
  async delete(receipt: string): Promise<void> {
    const id = receiptMessageId(receipt);
    this.run(`Message ${id}`, 'delete', () =>
      writeTransaction(this.db, () => this.sql.delete.run(id, receipt), 'bookkeeping'),
    );
  }

  /** Dead letters, newest first. Bodies are SyncJobs: app names and revisions, never secret data. */
  async listDeadLetters(limit = 100): Promise<DeadLetter[]> {
    return this.run('Dead letters', 'read', () =>
      this.sql.listDeadLetters.all(clamp(Math.floor(limit), 0, 2 ** 31)).map(toDeadLetter),
    );
  }

  /** Up to `batch` visible messages, made invisible for the visibility timeout under new receipts. */
  private claim(batch: number): ReceivedJob[] {
    const now = this.opts.clock.now();
    if (!this.sql.anyVisible.get(now)) return [];
    return writeTransaction(
      this.db,
      () => {
        const received: ReceivedJob[] = [];
        // At least 1 ms: a claimed row must not be visible to the next look in this transaction.
        const hiddenUntil = now + Math.max(1, Math.round(this.opts.visibilityTimeoutSeconds * 1000));
        // One message per tenant per look, fewest in flight first; rows moved to the dead letters
        // free their place in the batch: look again until it is full or nothing is visible.
        for (;;) {
          const asked = batch - received.length;
          const rows = this.sql.fairHeads.all({ now, limit: asked });
          for (const row of rows) {
            if (row.receive_count >= this.opts.maxReceiveCount) {
              this.bury(row, now, 'max receives');
              continue;
            }
            const job = decodeJob(row.body);
            if (typeof job === 'string') {
              this.bury(row, now, `unreadable: ${job}`);
              continue;
            }
            const receipt = `${row.id}.${randomUUID()}`;
            this.sql.markReceived.run(receipt, hiddenUntil, row.id);
            received.push({ job, receipt, receiveCount: row.receive_count + 1 });
          }
          if (rows.length === 0 || received.length >= batch) return received;
        }
      },
      'bookkeeping',
    );
  }

  private bury(row: MessageRow, now: number, reason: string): void {
    this.sql.insertDeadLetter.run(row.id, row.body, row.sent_at, row.receive_count, now, reason);
    this.sql.deleteById.run(row.id);
  }

  private nap(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.napping.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.napping.add(wake);
    });
  }

  private run<T>(subject: string, action: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof SqliteStoreError) throw err;
      throw new SqliteStoreError('queue:request-failed', `${subject} ${action} failed: ${messageOf(err)}`, {
        cause: err,
      });
    }
  }
}

type Statements = ReturnType<typeof prepareStatements>;

function prepareStatements(db: SqliteDatabase) {
  return {
    insert: db.prepare<[string, number, number, string]>(
      'INSERT INTO job_messages (body, sent_at, visible_at, group_key) VALUES (?, ?, ?, ?)',
    ),
    anyVisible: db.prepare<[number], { one: number }>(
      'SELECT 1 AS one FROM job_messages WHERE visible_at <= ? LIMIT 1',
    ),
    // The tenants are walked by index (each step finds the next group_key), so a look costs a few
    // index probes per tenant, whatever the number of messages; tenants are clusters, so few.
    fairHeads: db.prepare<[{ now: number; limit: number }], MessageRow>(`
      WITH RECURSIVE tenants(k) AS (
        SELECT MIN(group_key) FROM job_messages
        UNION ALL
        SELECT (SELECT MIN(group_key) FROM job_messages WHERE group_key > k) FROM tenants WHERE k IS NOT NULL
      ),
      heads AS (
        SELECT
          (SELECT id FROM job_messages WHERE group_key = k AND visible_at <= @now ORDER BY visible_at, id LIMIT 1) AS head,
          (SELECT COUNT(*) FROM job_messages WHERE group_key = k AND receipt IS NOT NULL AND visible_at > @now) AS in_flight
        FROM tenants WHERE k IS NOT NULL
      )
      SELECT m.id, m.body, m.sent_at, m.receive_count
      FROM heads JOIN job_messages m ON m.id = heads.head
      ORDER BY heads.in_flight, m.visible_at, m.id
      LIMIT @limit`),
    markReceived: db.prepare<[string, number, number]>(
      'UPDATE job_messages SET receipt = ?, visible_at = ?, receive_count = receive_count + 1 WHERE id = ?',
    ),
    delete: db.prepare<[number, string]>('DELETE FROM job_messages WHERE id = ? AND receipt = ?'),
    deleteById: db.prepare<[number]>('DELETE FROM job_messages WHERE id = ?'),
    insertDeadLetter: db.prepare<[number, string, number, number, number, string]>(
      'INSERT INTO dead_letters (message_id, body, sent_at, receive_count, dead_at, reason) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    listDeadLetters: db.prepare<[number], DeadLetterRow>(
      'SELECT id, message_id, body, sent_at, receive_count, dead_at, reason FROM dead_letters ORDER BY dead_at DESC, id DESC LIMIT ?',
    ),
  };
}

/** `value` within [low, high]; NaN is `low` (a NaN wait must not poll forever). */
function clamp(value: number, low: number, high: number): number {
  return Number.isNaN(value) ? low : Math.max(low, Math.min(high, value));
}

/**
 * The tenant a job counts against: its group, or for people's requests (no group) one tenant they
 * share. Not one per app: a look walks every tenant, so tenants must stay as few as clusters, and a
 * script asking a thousand syncs is then one tenant among the clusters, not a thousand.
 */
function tenantOf(job: SyncJob): string {
  return isWakeUpGroup(job.group) ? job.group : '';
}

function encodeJob(subject: string, job: SyncJob): string {
  if (typeof job?.app !== 'string' || job.app === '' || typeof job.reason !== 'string') {
    throw new SqliteStoreError('queue:invalid', `${subject} has no app or reason`);
  }
  // Bodies end up in dead letters: no credential may ride along in a field.
  return JSON.stringify(redactDeep(job));
}

/** The job in a message body, or why it is not one. */
function decodeJob(body: string): SyncJob | string {
  try {
    const job = JSON.parse(body) as Partial<SyncJob> | null;
    if (typeof job?.app !== 'string' || job.app === '' || typeof job.reason !== 'string') {
      return 'the body has no app or reason';
    }
    return job as SyncJob;
  } catch (err) {
    return messageOf(err);
  }
}

function receiptMessageId(receipt: string): number {
  const match = /^(\d+)\.[0-9a-f-]{36}$/.exec(receipt);
  if (!match) {
    throw new SqliteStoreError(
      'queue:invalid-receipt',
      `Receipt ${JSON.stringify(receipt)} was not issued by this queue`,
    );
  }
  return Number(match[1]);
}

function toDeadLetter(row: DeadLetterRow): DeadLetter {
  const job = decodeJob(row.body);
  return {
    id: row.id,
    messageId: row.message_id,
    ...(typeof job === 'string' ? {} : { job }),
    body: row.body,
    receiveCount: row.receive_count,
    sentAt: row.sent_at,
    deadAt: row.dead_at,
    reason: row.reason,
  };
}
