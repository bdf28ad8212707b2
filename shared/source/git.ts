import { randomBytes, createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeCommitTree, type CheckoutIndex } from './checkout-tree.js';
import { SourceError } from './errors.js';
import { createGitHttpClient, defaultGitHttpOptions, type GitHttpOptions } from './git-http.js';
import { gitFs } from './git-fs.js';
import { isomorphicGit } from './isomorphic-git.js';
import { advertisedRefs, uploadPack, WantRefusedError, type RefAdvertisement } from './git-upload-pack.js';
import { checkPack } from './pack-check.js';
import { credentialScope } from './credential-scope.js';
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
  const git = await isomorphicGit();
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
  for (const name of refCandidates(rev)) {
    const ref = byName.get(name);
    // Annotated tags peel to their commit: the commit is what is checked out and compared.
    if (ref) return ref.peeled ?? ref.oid;
  }
  if (rev === 'HEAD')
    throw new SourceError(
      'source:revision-not-found',
      `${redactUrl(repoURL)}: revision "HEAD": the repository's HEAD names no existing branch (a bare repository whose default branch was never pushed); set targetRevision to a branch, tag or commit SHA`,
    );
  throw new SourceError(
    'source:revision-not-found',
    `${redactUrl(repoURL)}: revision "${rev}" is not a branch, tag, ref or commit SHA of this repository`,
  );
}

export interface CheckoutCacheOptions {
  /** Bytes of checkouts kept; least recently used ones are removed past this. */
  maxBytes: number;
  limits: SourceLimits;
  http: Partial<GitHttpOptions>;
  /**
   * Depths a ref is fetched at, in turn, to find a commit a server will not send by SHA
   * (uploadpack.allowReachableSHA1InWant off): the commit must be within the last of them.
   */
  deepen: number[];
}

export const defaultCheckoutCacheOptions: CheckoutCacheOptions = {
  maxBytes: 1024 * 1024 * 1024,
  limits: defaultSourceLimits,
  http: {},
  deepen: [10, 100, 1000],
};

/** Where a commit is expected: the app's targetRevision, for servers that serve only ref tips. */
export interface CheckoutHint {
  targetRevision?: string;
}

/** Most branches searched for a commit when no targetRevision names one. */
const maxBranchesSearched = 20;

/** Full names of the refs a targetRevision may mean, in git's order (as resolveRevision reads it). */
export function refCandidates(rev: string): string[] {
  if (rev === 'HEAD') return ['HEAD'];
  if (rev.startsWith('refs/')) return [rev];
  return [`refs/heads/${rev}`, `refs/tags/${rev}`, `refs/${rev}`];
}

/** The refs whose history may hold the commit: the hinted one, else HEAD and the branches. */
function deepenCandidates(ad: RefAdvertisement, hint: CheckoutHint): string[] {
  const rev = (hint.targetRevision ?? '').trim();
  if (rev && !shaPattern.test(rev)) {
    const named = refCandidates(rev).find((r) => ad.refs.has(r));
    if (named) return [named];
  }
  const heads = [...ad.refs.keys()].filter((r) => r.startsWith('refs/heads/')).sort();
  return [...(ad.refs.has('HEAD') ? ['HEAD'] : []), ...heads].slice(0, maxBranchesSearched);
}

/** The server says it sends any reachable commit by SHA (GitHub, GitLab, allowReachableSHA1InWant). */
function servesAnyCommit(ad: RefAdvertisement): boolean {
  return ad.capabilities.has('allow-reachable-sha1-in-want');
}

function notFoundReason(sha: string, ad: RefAdvertisement, hint: CheckoutHint, deepen: number[]): string {
  if (servesAnyCommit(ad))
    return `commit ${sha} does not exist in this repository (the server, which sends any commit of its branches and tags by SHA, has none such)`;
  const refs = deepenCandidates(ad, hint);
  const where = refs.length
    ? `the newest ${deepen.at(-1) ?? 1} commits of ${refs.length > 3 ? `${refs.slice(0, 3).join(', ')} and ${refs.length - 3} more refs` : refs.join(', ')}`
    : 'any ref (the repository has no branches)';
  return `commit ${sha} cannot be fetched: the server sends only the tips of its refs, not other commits by SHA (uploadpack.allowReachableSHA1InWant is off), and the commit is not within ${where}`;
}

/** Whether the commit object is in the gitdir's packs. */
async function hasCommit(gitdir: string, oid: string): Promise<boolean> {
  const git = await isomorphicGit();
  try {
    const { type } = await git.readObject({ fs: gitFs, gitdir, oid, format: 'content' });
    return type === 'commit';
  } catch {
    return false;
  }
}

/**
 * The most a fetch may download for a checkout within `limits`: the files' bytes (deflate adds
 * little to incompressible data), a few dozen bytes of headers per object, and room for the ref
 * advertisement. The pack is held in memory while it is indexed, so this bounds memory too.
 */
export function packBytesBound(limits: SourceLimits): number {
  return limits.maxBytes + Math.ceil(limits.maxBytes / 64) + (limits.maxFiles + 2) * 64 + 8 * 1024 * 1024;
}

interface CachedCheckout {
  dir: string;
  bytes: number;
  lastUsed: number;
  /** Renders using it right now, or a newer checkout linking from it: never evicted while above zero. */
  pins: number;
  /** What it holds by object id (checkout-tree.ts), for the repository's next checkout. */
  index?: CheckoutIndex;
}

/** Counters for benchmarks and tests: checkouts asked for, fetches sent to a git server, and reuse. */
export interface CheckoutStats {
  requests: number;
  fetches: number;
  /** Subtrees and files of a newer checkout hard-linked from the repository's previous one. */
  reusedTrees: number;
  reusedFiles: number;
}

/**
 * Checkouts of repo@SHA, fetched shallowly (depth 1) over smart HTTP, kept in directories with
 * random names (an app's manifests cannot guess the path of another app's files, CVE-2023-40026)
 * and bounded in total size. Concurrent requests for the same commit share one fetch; a checkout
 * fetched with one set of credentials is never given to a caller with another (or none).
 */
export class GitCheckoutCache {
  private readonly entries = new Map<string, CachedCheckout>();
  private readonly inflight = new Map<string, Promise<CachedCheckout>>();
  private readonly opts: CheckoutCacheOptions;
  private readonly counters: CheckoutStats = { requests: 0, fetches: 0, reusedTrees: 0, reusedFiles: 0 };
  /** Each repository's (and credential scope's) newest checkout: the next one links from it. */
  private readonly newest = new Map<string, CachedCheckout>();

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
    hint: CheckoutHint = {},
  ): Promise<T> {
    const entry = await this.acquire(repoURL, sha, http, hint);
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
    hint: CheckoutHint,
  ): Promise<CachedCheckout> {
    if (!shaPattern.test(sha))
      throw new SourceError(
        'source:bad-revision',
        `${redactUrl(repoURL)}: "${sha}" is not a full commit SHA`,
      );
    this.counters.requests++;
    const repoKey = `${normalizeRepoUrl(repoURL)}#${credentialScope(http.credentials)}`;
    const key = createHash('sha256').update(`${repoKey}@${sha}`).digest('hex');
    const hit = this.entries.get(key);
    if (hit && fs.existsSync(hit.dir)) {
      hit.lastUsed = Date.now();
      return hit;
    }
    let pending = this.inflight.get(key);
    if (!pending) {
      this.counters.fetches++;
      pending = this.fetch(repoURL, sha, { ...this.opts.http, ...http }, hint, repoKey).finally(() =>
        this.inflight.delete(key),
      );
      this.inflight.set(key, pending);
    }
    const entry = await pending;
    this.entries.set(key, entry);
    await this.evict(key);
    return entry;
  }

  private async fetch(
    repoURL: string,
    sha: string,
    http: Partial<GitHttpOptions>,
    hint: CheckoutHint,
    repoKey: string,
  ): Promise<CachedCheckout> {
    await mkdir(this.root, { recursive: true, mode: 0o711 });
    // Same repository, same credentials: its files may be linked into this one (never across).
    const previous = this.newest.get(repoKey);
    const reuse = previous?.index && fs.existsSync(previous.dir) ? previous : undefined;
    if (reuse) reuse.pins++;
    const dir = join(this.root, randomBytes(16).toString('hex'));
    const gitdir = `${dir}.git`;
    const { limits } = this.opts;
    const subject = `fetching ${sha} of ${redactUrl(repoURL)}`;
    // One client per request: each pack is bounded on its own, and deepening asks again.
    const client = () =>
      createGitHttpClient({
        ...http,
        maxBytes: Math.min(http.maxBytes ?? defaultGitHttpOptions.maxBytes, packBytesBound(limits)),
      });
    const git = await isomorphicGit();
    try {
      await mkdir(dir, { mode: 0o755 });
      await git.init({ fs: gitFs, dir, gitdir, bare: true });
      const packDir = join(gitdir, 'objects', 'pack');
      await mkdir(packDir, { recursive: true });
      const fetchOnce = async (want: string, depth: number): Promise<boolean> => {
        const pack = await uploadPack(client(), repoURL, { want, depth, capabilities: ad.capabilities });
        // Each deeper answer holds all of the shallower one: only the newest pack is kept.
        for (const f of await readdir(packDir)) await rm(join(packDir, f), { force: true });
        if (pack.length === 0) return false;
        checkPack(pack, limits, subject);
        const name = `pack-${createHash('sha1').update(pack).digest('hex')}`;
        await writeFile(join(packDir, `${name}.pack`), pack);
        await git.indexPack({ fs: gitFs, dir: gitdir, gitdir, filepath: `objects/pack/${name}.pack` });
        return hasCommit(gitdir, sha);
      };
      const ad = await advertisedRefs(client(), repoURL);
      if (!(await this.fetchCommit(ad, sha, hint, fetchOnce)))
        throw new SourceError(
          'source:revision-not-found',
          `${redactUrl(repoURL)}: ${notFoundReason(sha, ad, hint, this.opts.deepen)}`,
        );
      // Not git.checkout: it writes everything and leaves the limits to a scan afterwards.
      const written = await writeCommitTree({
        gitdir,
        dir,
        commit: sha,
        limits,
        label: `${redactUrl(repoURL)} at ${sha}`,
        ...(reuse ? { reuse: reuse.index } : {}),
      });
      this.counters.reusedTrees += written.reused.trees;
      this.counters.reusedFiles += written.reused.files;
      // Symlink chains and loops can only be judged on disk, once every link is there. Without
      // symlinks, the write has already held every limit the scan would check.
      const bytes = written.symlinks > 0 ? (await scanTree(dir, limits)).bytes : written.bytes;
      const entry: CachedCheckout = { dir, bytes, lastUsed: Date.now(), pins: 0, index: written.index };
      const replaced = this.newest.get(repoKey);
      if (replaced) replaced.index = undefined; // only the newest is linked from
      this.newest.set(repoKey, entry);
      return entry;
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      if (err instanceof SourceError) throw err;
      throw describeGitError(`fetching ${sha} of`, repoURL, err);
    } finally {
      if (reuse) reuse.pins--;
      // Only the files stay: no git metadata, hooks or config are kept or ever run.
      await rm(gitdir, { recursive: true, force: true });
    }
  }

  /**
   * Gets `sha` into the pack store, whatever the server allows: an advertised tip (a branch, an
   * annotated tag peeling to it, refs/pull/N/head…) is asked for by its ref's object; any other
   * commit by its SHA (GitHub, GitLab, uploadpack.allowReachableSHA1InWant); and when the server
   * refuses unadvertised wants, the hinted ref (or every branch) is fetched ever deeper until the
   * commit is in its history. False when it is nowhere within `deepen` commits.
   */
  private async fetchCommit(
    ad: RefAdvertisement,
    sha: string,
    hint: CheckoutHint,
    fetchOnce: (want: string, depth: number) => Promise<boolean>,
  ): Promise<boolean> {
    const tip = [...ad.refs].find(([name, oid]) => oid === sha || ad.peeled.get(name) === sha);
    if (tip) return fetchOnce(tip[1], 1);
    try {
      if (await fetchOnce(sha, 1)) return true;
    } catch (err) {
      if (!(err instanceof WantRefusedError)) throw err;
    }
    // A server that sends any reachable commit by SHA refused it: it has no such commit.
    if (servesAnyCommit(ad)) return false;
    const refs = deepenCandidates(ad, hint);
    for (const depth of this.opts.deepen)
      for (const ref of refs) if (await fetchOnce(ad.refs.get(ref)!, depth)) return true;
    return false;
  }

  stats(): CheckoutStats {
    return { ...this.counters };
  }

  private async evict(keep: string): Promise<void> {
    let total = [...this.entries.values()].reduce((n, e) => n + e.bytes, 0);
    const oldest = [...this.entries.entries()]
      .filter(([k, e]) => k !== keep && e.pins === 0)
      .sort(([, a], [, b]) => a.lastUsed - b.lastUsed);
    for (const [key, entry] of oldest) {
      if (total <= this.opts.maxBytes) break;
      this.entries.delete(key);
      for (const [repo, newest] of this.newest) if (newest === entry) this.newest.delete(repo);
      total -= entry.bytes;
      await rm(entry.dir, { recursive: true, force: true });
    }
  }
}
