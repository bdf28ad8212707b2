/**
 * The rules of the StateStore port, written once. BaseStateStore (state-store-base.ts) runs the
 * checks before any adapter sees a call, and the adapters decide leases, requests and deliveries
 * with these predicates, so the DynamoDB and the SQLite store cannot disagree on them. Pure: no
 * I/O and no clock (the time is always an argument).
 */
import { GitferryError } from '../domain/errors.js';
import {
  LeaseLostError,
  StateStoreError,
  type Lease,
  type StepCommit,
  type SyncRequest,
} from './state-store.js';

/**
 * The largest run id: ids are sorted as 10 zero-padded digits in DynamoDB's sort key, and every
 * adapter refuses the same ids so that a history written locally could move to DynamoDB.
 */
export const maxRunId = 9_999_999_999;

/** A lease as stored: who holds it, its fencing token and when it runs out (epoch ms; 0 = released). */
export interface StoredLease {
  holder: string;
  token: number;
  expiresAt: number;
}

/** Names of apps, projects, clusters and deliveries must be non-empty strings. */
export function checkName(kind: string, name: string): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new StateStoreError(
      'state:invalid',
      `${kind} name must be a non-empty string, got ${JSON.stringify(name)}`,
    );
  }
  return name;
}

/**
 * A request needs its `requestedAt` (epoch ms, what newest-wins and consuming compare) as a whole
 * number: SQLite keeps it in an INTEGER column, and a fraction refused there must not pass elsewhere.
 */
export function checkRequest(app: string, request: SyncRequest): SyncRequest {
  if (!Number.isSafeInteger(request.requestedAt)) {
    throw new StateStoreError('state:invalid', `App/${app} sync request has no valid requestedAt`);
  }
  return request;
}

/** A step writes only its own app's status and runs, under an id every adapter can key. */
export function checkStepCommit(app: string, commit: StepCommit): StepCommit {
  const subject = `App/${app}`;
  if (commit.status !== undefined && commit.status.app !== app) {
    throw new StateStoreError(
      'state:invalid',
      `${subject} step commit carries the status of app ${commit.status.app}`,
    );
  }
  const { run } = commit;
  if (run !== undefined) {
    if (run.app !== app) {
      throw new StateStoreError(
        'state:invalid',
        `${subject} step commit carries run ${run.id} of app ${run.app}`,
      );
    }
    if (!Number.isSafeInteger(run.id) || run.id < 0 || run.id > maxRunId) {
      throw new StateStoreError(
        'state:invalid',
        `${subject} run id ${run.id} is not an integer from 0 to ${maxRunId}`,
      );
    }
  }
  return commit;
}

/**
 * Newest wins: a request replaces the stored one unless the stored one is newer. A request at the
 * same instant replaces it (the later write carries the options asked for last).
 */
export function requestReplaces(storedAt: number | undefined, incomingAt: number): boolean {
  return storedAt === undefined || storedAt <= incomingAt;
}

/**
 * A step that took up the request made at `consumedAt` removes the stored one only if it is that
 * one or older: a request that arrived while the step ran stays for the next wake-up.
 */
export function requestConsumed(storedAt: number, consumedAt: number): boolean {
  return storedAt <= consumedAt;
}

/** A lease can be taken when there is none or it has run out (released leases have expiresAt 0). */
export function leaseIsFree(stored: StoredLease | undefined, now: number): boolean {
  return stored === undefined || stored.expiresAt <= now;
}

/** The stored lease is this acquisition of it (same holder and fencing token), expired or not. */
export function isSameLease(stored: StoredLease | undefined, lease: Lease): boolean {
  return stored !== undefined && stored.holder === lease.holder && stored.token === lease.token;
}

/** Writes are fenced: only the current, unexpired acquisition may write. */
export function leaseIsCurrent(stored: StoredLease | undefined, lease: Lease, now: number): boolean {
  return isSameLease(stored, lease) && stored!.expiresAt > now;
}

/** The error of a write whose lease check failed: nothing was written. */
export function leaseLost(lease: Lease, cause?: unknown): LeaseLostError {
  return new LeaseLostError(
    `App/${lease.app} lease lost: token ${lease.token} of holder ${lease.holder} is no longer current; nothing was written`,
    cause === undefined ? undefined : { cause },
  );
}

/** A stored document that cannot be decoded. */
export function unreadable(subject: string, reason: string, cause?: unknown): StateStoreError {
  return new StateStoreError(
    'state:corrupt',
    `${subject} is unreadable: ${reason}`,
    cause === undefined ? undefined : { cause },
  );
}

/** Backend errors get the subject first and keep their cause; Gitferry's own errors pass through. */
export function wrapStoreError(subject: string, action: string, err: unknown): GitferryError {
  if (err instanceof GitferryError) return err;
  return new StateStoreError('state:request-failed', `${subject} ${action} failed: ${messageOf(err)}`, {
    cause: err,
  });
}

/** `Name: message` of an error, or the thrown value as text. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
