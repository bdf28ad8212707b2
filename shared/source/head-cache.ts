// Branch heads shared by every app of one process. A thousand apps on one repository and branch
// ask the git server once (ls-remote), not a thousand times: one lookup in flight per repository,
// revision and credentials, and its answer reused for a few seconds.
//
// A push is never missed. A caller that knows when a change was asked for (a push's intake, a
// manual sync or refresh) passes that time as `notBefore`, and only a lookup that started at or
// after it answers: the cached one, the one in flight, or a new one. The server had the pushed
// commit before the push was announced, so such a lookup sees it (or something newer). This holds
// across processes too (the webhook function records the time, the worker compares), where an
// invalidation message sent by the webhook could not reach the worker's memory.
import { createHash } from 'node:crypto';
import { credentialScope } from './credential-scope.js';
import type { GitHttpOptions } from './git-http.js';
import { resolveRevision } from './git.js';

export interface BranchHeadCacheOptions {
  /** How long an answer is reused by callers that give no `notBefore`. */
  ttlMs: number;
  /** Repository and revision pairs remembered (least recently looked up forgotten first). */
  maxEntries: number;
  now: () => number;
  /** The lookup itself (ls-remote over smart HTTP); a seam for unit tests. */
  lookup: typeof resolveRevision;
}

export const defaultBranchHeadCacheOptions: BranchHeadCacheOptions = {
  ttlMs: 10_000,
  maxEntries: 4096,
  now: Date.now,
  lookup: resolveRevision,
};

/** Counters for benchmarks and tests: what was asked, and what went to the server. */
export interface BranchHeadStats {
  /** Heads asked for (commit SHAs, which need no lookup, are not counted). */
  requests: number;
  /** Lookups sent to a git server. */
  lookups: number;
}

interface Lookup {
  startedAt: number;
  sha: Promise<string>;
}

const shaPattern = /^[0-9a-f]{40}$/;

export class BranchHeadCache {
  private readonly opts: BranchHeadCacheOptions;
  /** The newest lookup per key, settled or in flight. */
  private readonly entries = new Map<string, Lookup>();
  private readonly counters: BranchHeadStats = { requests: 0, lookups: 0 };

  constructor(opts: Partial<BranchHeadCacheOptions> = {}) {
    this.opts = { ...defaultBranchHeadCacheOptions, ...opts };
  }

  /**
   * The commit targetRevision names in repoURL now, as resolveRevision answers it; `notBefore`
   * (epoch ms) refuses any answer from a lookup that started earlier (Infinity: a new lookup).
   */
  resolve(
    repoURL: string,
    targetRevision: string | undefined,
    http: Partial<GitHttpOptions> = {},
    notBefore?: number,
  ): Promise<string> {
    const rev = (targetRevision ?? '').trim() || 'HEAD';
    if (shaPattern.test(rev)) return Promise.resolve(rev);
    this.counters.requests++;
    // The URL as written, not a normalised form: on a case-sensitive server two spellings are two
    // repositories, whose branches differ.
    const key = createHash('sha256')
      .update(JSON.stringify([repoURL, rev, credentialScope(http.credentials), guardKey(http)]))
      .digest('base64url');
    const now = this.opts.now();
    const freshFrom = Math.max(now - this.opts.ttlMs, notBefore ?? -Infinity);
    const known = this.entries.get(key);
    if (known && known.startedAt >= freshFrom) {
      this.entries.delete(key);
      this.entries.set(key, known); // most recently used last
      return known.sha;
    }
    const lookup: Lookup = { startedAt: now, sha: this.opts.lookup(repoURL, targetRevision, http) };
    this.counters.lookups++;
    // A newer lookup replaces an older one even if the older answers later: newest wins.
    this.entries.delete(key);
    this.entries.set(key, lookup);
    // A failed lookup is not remembered: the next caller asks again.
    lookup.sha.catch(() => {
      if (this.entries.get(key) === lookup) this.entries.delete(key);
    });
    while (this.entries.size > this.opts.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return lookup.sha;
  }

  stats(): BranchHeadStats {
    return { ...this.counters };
  }
}

/** Callers whose URL guards allow different hosts may get different answers (one refused): never shared. */
function guardKey(http: Partial<GitHttpOptions>): string {
  return JSON.stringify([http.guard?.allowPrivate ?? false, http.guard?.allowedHosts ?? []]);
}
