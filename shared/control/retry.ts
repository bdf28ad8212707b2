import { GitferryError } from '../domain/errors.js';
/** Argo CD's `syncPolicy.retry`: tries after the first, and a doubling backoff. */
export interface RetryPolicy {
  limit: number;
  /** Go duration strings, as Argo writes them: `5s`, `3m`, `1h30m`. */
  duration: string;
  factor: number;
  maxDuration: string;
}

/** A retry backoff duration that is not Go-style (`90s`, `3m`, `1h30m`, `500ms`). */
export class DurationFormatError extends GitferryError {
  override name = 'DurationFormatError';
}

/** Parses a Go-style duration (`90s`, `3m`, `1h30m`, `500ms`) into milliseconds. */
export function parseDuration(text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = text.trim();
  if (/^\d+$/.test(rest)) return Number(rest) * 1000;
  while (rest) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)/.exec(rest);
    if (!m) throw new DurationFormatError('duration:invalid', `invalid duration "${text}"`);
    total += Number(m[1]) * units[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return total;
}

/** Delay before retry number `attempt` (1 = after the first try), or undefined when retries are used up. */
export function retryDelayMs(policy: RetryPolicy, attempt: number): number | undefined {
  if (attempt > policy.limit) return undefined;
  const base = parseDuration(policy.duration);
  return Math.min(parseDuration(policy.maxDuration), base * policy.factor ** (attempt - 1));
}
