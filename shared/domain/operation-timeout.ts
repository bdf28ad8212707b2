// An operation's deadline, as an installation or a sync request sets it: whole seconds, bounded
// (a day at most), so a typo or a hostile value can neither end every sync at once nor keep a
// stuck one alive for ever.
import { GitferryError } from './errors.js';

export const minOperationTimeoutSeconds = 1;
export const maxOperationTimeoutSeconds = 86_400;
/** Argo CD has no default; Gitferry ends a sync that is still running after 30 minutes. */
export const defaultOperationTimeoutSeconds = 1_800;

export class OperationTimeoutError extends GitferryError {
  override name = 'OperationTimeoutError';
}

/** The value as whole seconds, or an error naming `what` and the bounds. */
export function checkOperationTimeout(what: string, value: unknown): number {
  const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (
    typeof n !== 'number' ||
    !Number.isSafeInteger(n) ||
    n < minOperationTimeoutSeconds ||
    n > maxOperationTimeoutSeconds
  )
    throw new OperationTimeoutError(
      'config:invalid',
      `${what} must be a whole number of seconds from ${minOperationTimeoutSeconds} to ${maxOperationTimeoutSeconds}, got ${JSON.stringify(value)?.slice(0, 40)}`,
    );
  return n;
}
