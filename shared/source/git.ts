import { randomBytes, createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as git from 'isomorphic-git';
import { writeCommitTree } from './checkout-tree.js';
import { SourceError } from './errors.js';
import { createGitHttpClient, defaultGitHttpOptions, type GitHttpOptions } from './git-http.js';
import { checkPack } from './pack-check.js';
import { redactUrl } from './url-guard.js';
import { scanTree } from './safe-path.js';
import { defaultSourceLimits, type SourceLimits } from './types.js';
import { normalizeRepoUrl } from '../domain/repo-url.js';

export { normalizeRepoUrl };

const shaPattern = /^[0-9a-f]{40}$/;

function describeGitError(action: string, repoURL: string, err: unknown): SourceError {
  if (err instanceof SourceError) return err;
  const e = err as { code?: string; message?: string; data?: { statusCode?: number } };
  const status = e.data?.statusCode;
  const why =
    status === 401 || status === 403
      ? `authentication failed (HTTP ${status})`
      : status === 404
        ? 'repository not found (HTTP 404)'
        : (e.message ?? String(err));
  return new SourceError('source:fetch-failed', `${action} ${redactUrl(repoURL)}: ${why}`, { cause: err });
}

/**
 * Resolves a targetRevision (branch, tag, full SHA, HEAD) to a commit SHA by asking the server
 * for its refs (no clone). The newest commit of a branch wins: callers resolve when they run.
 */
export async function resolveRevision(
  repoURL: string,
  targetRevision: string | undefined,
  http: Partial<GitHttpOptions> = {},
): Promise<string> {
  const rev = (targetRevision ?? '').trim() || 'HEAD';
  if (shaPattern.test(rev)) return rev;
  let refs: { ref: string; oid: string; peeled?: string; target?: string }[];
  try {
    refs = await git.listServerRefs({
      http: createGitHttpClient(http),
      url: repoURL,
      protocolVersion: 2,
      symrefs: true,
      peelTags: true,
    });
  } catch (err) {
    throw describeGitError('resolving revision of', repoURL, err);
  }
  const byName = new Map(refs.map((r) => [r.ref, r]));
  const candidates =
    rev === 'HEAD' ? ['HEAD'] : rev.startsWith('refs/') ? [rev] : [`refs/heads/${rev}`, `refs/tags/${rev}`];
  for (const name of candidates) {
    const ref = byName.get(name);
    if (ref) return ref.peeled ?? ref.oid;
  }
  throw new SourceError(
    'source:revision-not-found',
    `${redactUrl(repoURL)}: revision "${rev}" is not a branch, tag or commit SHA of this repository`,
  );
}

export interface CheckoutCacheOptions {
  /** Bytes of checkouts kept; least recently used ones are removed past this. */
  maxBytes: number;
  limits: SourceLimits;
  http: Partial<GitHttpOptions>;
}

export const defaultCheckoutCacheOptions: CheckoutCacheOptions = {
  maxBytes: 1024 * 1024 * 1024,
  limits: defaultSourceLimits,
  http: {},
};

/**
 * The most a fetch may download for a checkout within `limits`: the files' bytes (deflate adds
 * little to incompressible data), a few dozen bytes of headers per object, and room for the ref
 * advertisement. The pack is held in memory while it is indexed, so this bounds memory too.
 */
export function packBytesBound(limits: SourceLimits): number {
  return limits.maxBytes + Math.ceil(limits.maxBytes / 64) + (limits.maxFiles + 2) * 64 + 8 * 1024 * 1024;
}

/**
 * node:fs for isomorphic-git, checking every pack it writes before the write. isomorphic-git's
 * fetch writes the pack it received and then indexes it, which inflates every object: the check
 * runs first. `checked` records that it ran, so a library change that skips it fails loudly.
 */
function packCheckingFs(check: (pack: Uint8Array) => void): { fs: typeof fs; checked: () => number } {
  let checked = 0;
  const writeFile: typeof fs.promises.writeFile = async (file, data, options) => {
    if (typeof file === 'string' && file.endsWith('.pack') && data instanceof Uint8Array) {
      check(data);
      checked++;
    }
    return fs.promises.writeFile(file, data, options);
  };
  const promises = { ...fs.promises, writeFile };
  return { fs: { ...fs, promises } as typeof fs, checked: () => checked };
}

interface CachedCheckout {
  dir: string;
  bytes: number;
  lastUsed: number;
  /** Renders using it right now: never evicted while above zero. */
  pins: number;
}

/**
 * Checkouts of repo@SHA, fetched shallowly (depth 1) over smart HTTP, kept in directories with
 * random names (an app's manifests cannot guess the path of another app's files, CVE-2023-40026)
 * and bounded in total size. Concurrent requests for the same commit share one fetch.
 */
export class GitCheckoutCache {
  private readonly entries = new Map<string, CachedCheckout>();
  private readonly inflight = new Map<string, Promise<CachedCheckout>>();
  private readonly opts: CheckoutCacheOptions;

  constructor(
    private readonly root: string,
    opts: Partial<CheckoutCacheOptions> = {},
  ) {
    this.opts = { ...defaultCheckoutCacheOptions, ...opts };
  }

  /**
   * Runs fn with the directory holding the files of repoURL at sha; the checkout is not evicted
   * while fn runs. Treat it as read-only: renders copy what they need.
   */
  async withCheckout<T>(
    repoURL: string,
    sha: string,
    fn: (dir: string) => Promise<T>,
    http: Partial<GitHttpOptions> = {},
  ): Promise<T> {
    const entry = await this.acquire(repoURL, sha, http);
    entry.pins++;
    try {
      return await fn(entry.dir);
    } finally {
      entry.pins--;
    }
  }

  private async acquire(
    repoURL: string,
    sha: string,
    http: Partial<GitHttpOptions>,
  ): Promise<CachedCheckout> {
    if (!shaPattern.test(sha))
      throw new SourceError(
        'source:bad-revision',
        `${redactUrl(repoURL)}: "${sha}" is not a full commit SHA`,
      );
    const key = createHash('sha256')
      .update(`${normalizeRepoUrl(repoURL)}@${sha}`)
      .digest('hex');
    const hit = this.entries.get(key);
    if (hit && fs.existsSync(hit.dir)) {
      hit.lastUsed = Date.now();
      return hit;
    }
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.fetch(repoURL, sha, { ...this.opts.http, ...http }).finally(() =>
        this.inflight.delete(key),
      );
      this.inflight.set(key, pending);
    }
    const entry = await pending;
    this.entries.set(key, entry);
    await this.evict(key);
    return entry;
  }

  private async fetch(repoURL: string, sha: string, http: Partial<GitHttpOptions>): Promise<CachedCheckout> {
    await mkdir(this.root, { recursive: true, mode: 0o711 });
    const dir = join(this.root, randomBytes(16).toString('hex'));
    const gitdir = `${dir}.git`;
    const { limits } = this.opts;
    const subject = `fetching ${sha} of ${redactUrl(repoURL)}`;
    const guarded = packCheckingFs((pack) => checkPack(pack, limits, subject));
    try {
      await mkdir(dir, { mode: 0o755 });
      await git.init({ fs, dir, gitdir });
      await git.addRemote({ fs, dir, gitdir, remote: 'origin', url: repoURL });
      await git.fetch({
        fs: guarded.fs,
        http: createGitHttpClient({
          ...http,
          maxBytes: Math.min(http.maxBytes ?? defaultGitHttpOptions.maxBytes, packBytesBound(limits)),
        }),
        dir,
        gitdir,
        remote: 'origin',
        ref: sha,
        depth: 1,
        singleBranch: true,
        tags: false,
      });
      const packs = (await readdir(join(gitdir, 'objects', 'pack')).catch(() => [] as string[])).filter((f) =>
        f.endsWith('.pack'),
      );
      if (packs.length > guarded.checked())
        throw new SourceError('source:bad-pack', `${subject}: a pack was stored without being checked`);
      // Not git.checkout: it writes everything and leaves the limits to a scan afterwards.
      await writeCommitTree({
        fs,
        gitdir,
        dir,
        commit: sha,
        limits,
        label: `${redactUrl(repoURL)} at ${sha}`,
      });
      // Symlink chains and loops can only be judged on disk, once every link is there.
      const { bytes } = await scanTree(dir, limits);
      return { dir, bytes, lastUsed: Date.now(), pins: 0 };
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      if (err instanceof SourceError) throw err;
      const notFound =
        (err as { code?: string }).code === 'NotFoundError' ||
        /want|not our ref|not found|not available locally/i.test((err as Error).message ?? '');
      if (notFound)
        throw new SourceError(
          'source:revision-not-found',
          `${redactUrl(repoURL)}: commit ${sha} does not exist in this repository`,
          { cause: err },
        );
      throw describeGitError(`fetching ${sha} of`, repoURL, err);
    } finally {
      // Only the files stay: no git metadata, hooks or config are kept or ever run.
      await rm(gitdir, { recursive: true, force: true });
    }
  }

  private async evict(keep: string): Promise<void> {
    let total = [...this.entries.values()].reduce((n, e) => n + e.bytes, 0);
    const oldest = [...this.entries.entries()]
      .filter(([k, e]) => k !== keep && e.pins === 0)
      .sort(([, a], [, b]) => a.lastUsed - b.lastUsed);
    for (const [key, entry] of oldest) {
      if (total <= this.opts.maxBytes) break;
      this.entries.delete(key);
      total -= entry.bytes;
      await rm(entry.dir, { recursive: true, force: true });
    }
  }
}
