// Writes the files of one commit into a fresh directory, refusing before anything past a limit is
// written (notes/safety.md items 11, 12 and 14). isomorphic-git's checkout writes the whole tree
// first and leaves the limits to a scan afterwards; here the tree is read first (trees are small,
// and a tree that repeats one subtree 10 times 9 levels deep is refused at `maxFiles` entries, not
// after writing a billion files), then each blob is checked against the per-file and total byte
// limits before it is written. Symlinks are written last, after every file and directory, so no
// write can pass through one; submodules (gitlinks) become empty directories and are never fetched.
import { gitFs } from './git-fs.js';
import type { TreeEntry } from 'isomorphic-git';
import { isomorphicGit } from './isomorphic-git.js';
import { link, mkdir, opendir, readlink, symlink, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import pLimit from 'p-limit';
import { SourceError } from './errors.js';
import { quotePath } from './safe-path.js';
import { repoMaxFilesHint, type SourceLimits } from './types.js';

/** Blobs read and written at once: hides disk latency, bounds memory to a few blobs. */
const writeConcurrency = 8;
/** Longest path written (Linux PATH_MAX), and longest symlink target. */
const maxPathBytes = 4096;

/** What was written. */
export interface CheckoutSummary {
  /** Entries written: files, directories, symlinks and submodule directories. */
  entries: number;
  /** Bytes of the regular files written. */
  bytes: number;
  /** Where this checkout holds its trees and blobs, for the next checkout of the repository to reuse. */
  index: CheckoutIndex;
  /** Trees and files taken from the previous checkout instead of being read and written. */
  reused: { trees: number; files: number };
  /** Symlinks written (linked subtrees included): without any, no chain or loop needs a scan. */
  symlinks: number;
}

/**
 * The trees and blobs of one checkout by object id, with where they are under its directory. Git
 * names an object by its content, so a subtree or file with the same id in a newer commit is the
 * same bytes: it is hard-linked from here instead of read from the pack and written again. A push
 * that changes one app's directory among 1,000 reads and writes that directory and the trees above
 * it, nothing else.
 */
export interface CheckoutIndex {
  dir: string;
  /** Tree id → its path, and the entries and file bytes under it (all levels). */
  trees: Map<string, { path: string; entries: number; bytes: number }>;
  /** `<blob id> <mode>` → a regular file with those bytes and that mode. */
  blobs: Map<string, { path: string; size: number }>;
}

export interface WriteTreeOptions {
  gitdir: string;
  /** An empty directory to write into. */
  dir: string;
  /** The commit whose tree is written. */
  commit: string;
  limits: SourceLimits;
  /** Starts every error message, e.g. `https://git.example.com/repo.git at 1a2b3c4d5e6f`. */
  label: string;
  /** An earlier checkout of the same repository, still on disk: what it holds is linked, not written. */
  reuse?: CheckoutIndex;
}

interface Entry {
  path: string;
  oid: string;
  mode: string;
}

/** Whether a tree entry name is one file name that stays where it is put (as git's verify_path). */
function isSafeName(name: string): boolean {
  return (
    name !== '' &&
    name !== '.' &&
    name !== '..' &&
    !name.includes('/') &&
    !name.includes('\0') &&
    name.toLowerCase() !== '.git'
  );
}

/** Whether a symlink at `linkPath` pointing at `target` stays inside the checkout, read lexically. */
function linkStaysInside(linkPath: string, target: string): boolean {
  if (target === '' || target.includes('\0') || posix.isAbsolute(target)) return false;
  const resolved = posix.normalize(posix.join(posix.dirname(linkPath), target));
  return resolved !== '..' && !resolved.startsWith('../');
}

/**
 * Writes the tree of `commit` (already fetched into `gitdir`) into `dir`, holding the limits as it
 * goes. Errors are SourceErrors naming the limit and the path (as the repository spells it, never a
 * symlink's target):
 * - `source:too-many-files` — the tree has more than `maxFiles` entries; nothing is written;
 * - `source:too-large` — a file over `maxFileBytes`, or the files together over `maxBytes`;
 *   nothing past the limit is written;
 * - `source:path-escape` — an entry name that is not one safe file name, a name twice in one
 *   tree, or a symlink that is absolute or climbs out of the checkout;
 * - `source:bad-tree` — an entry mode git does not write.
 * The caller removes `dir` on error.
 */
export async function writeCommitTree(o: WriteTreeOptions): Promise<CheckoutSummary> {
  const { limits, label } = o;
  const cache = {};
  const read = { fs: gitFs, gitdir: o.gitdir, cache };
  const git = await isomorphicGit();
  const { commit } = await git.readCommit({ ...read, oid: o.commit });

  // 1. Every tree, breadth first, counting entries: nothing is written yet.
  const dirs: string[] = [];
  const files: Entry[] = [];
  const links: Entry[] = [];
  const trees: Entry[] = [{ path: '', oid: commit.tree, mode: '040000' }];
  const reusedTrees: (Entry & { from: string; entries: number; bytes: number })[] = [];
  let entries = 0;
  const pending: { path: string; oid: string }[] = [{ path: '', oid: commit.tree }];
  while (pending.length > 0) {
    const tree = pending.shift()!;
    let items: TreeEntry[];
    try {
      ({ tree: items } = await git.readTree({ ...read, oid: tree.oid }));
    } catch (err) {
      const e = err as { code?: string; data?: { filepath?: string } };
      if (e.code === 'UnsafeFilepathError') {
        const name = e.data?.filepath ?? '';
        throw new SourceError(
          'source:path-escape',
          `${label}: entry ${quotePath(tree.path ? `${tree.path}/${name}` : name)} is not a safe file name`,
          { cause: err },
        );
      }
      throw err;
    }
    const seen = new Set<string>();
    for (const item of items) {
      const path = tree.path ? `${tree.path}/${item.path}` : item.path;
      if (!isSafeName(item.path))
        throw new SourceError(
          'source:path-escape',
          `${label}: entry ${quotePath(path)} is not a safe file name`,
        );
      if (seen.has(item.path))
        throw new SourceError(
          'source:path-escape',
          `${label}: entry ${quotePath(path)} appears twice in its directory`,
        );
      seen.add(item.path);
      if (++entries > limits.maxFiles)
        throw new SourceError(
          'source:too-many-files',
          `${label}: the tree has more than ${limits.maxFiles} files and directories (refused at ${quotePath(path)}, before writing any; ${repoMaxFilesHint})`,
        );
      if (Buffer.byteLength(path) > maxPathBytes)
        throw new SourceError(
          'source:path-escape',
          `${label}: entry ${quotePath(path)} has a path longer than ${maxPathBytes} bytes`,
        );
      const entry = { path, oid: item.oid, mode: item.mode };
      const earlier = item.mode === '040000' ? o.reuse?.trees.get(item.oid) : undefined;
      if (earlier) {
        entries += earlier.entries;
        if (entries > limits.maxFiles)
          throw new SourceError(
            'source:too-many-files',
            `${label}: the tree has more than ${limits.maxFiles} files and directories (refused at ${quotePath(path)}, before writing any; ${repoMaxFilesHint})`,
          );
        reusedTrees.push({
          ...entry,
          from: join(o.reuse!.dir, earlier.path),
          entries: earlier.entries,
          bytes: earlier.bytes,
        });
      } else if (item.mode === '040000') {
        dirs.push(path);
        trees.push(entry);
        pending.push({ path, oid: item.oid });
      } else if (item.mode === '160000') {
        // A submodule: git leaves an empty directory; its commit is never fetched or followed.
        dirs.push(path);
      } else if (item.mode === '120000') links.push(entry);
      else if (item.mode === '100644' || item.mode === '100755') files.push(entry);
      else
        throw new SourceError('source:bad-tree', `${label}: entry ${quotePath(path)} has mode ${item.mode}`);
    }
  }

  // 2. Directories (parents come first: breadth-first order), then files, each checked before it
  // is written. `wx` refuses to write through anything already there.
  for (const path of dirs) await mkdir(join(o.dir, path), { mode: 0o755 });
  let bytes = 0;
  const sizes = new Map<string, number>();
  /**
   * Counted before the write, in the same synchronous step: concurrent writes cannot pass it. A
   * linked subtree adds its files' bytes together; each of them passed the one-file limit when the
   * earlier checkout wrote it.
   */
  const count = (path: string, size: number, what: 'file' | 'subtree' = 'file') => {
    if (what === 'file' && size > limits.maxFileBytes)
      throw new SourceError(
        'source:too-large',
        `${label}: file ${quotePath(path)} is ${size} bytes, more than the limit of ${limits.maxFileBytes} bytes for one file`,
      );
    bytes += size;
    if (bytes > limits.maxBytes)
      throw new SourceError(
        'source:too-large',
        `${label}: the files pass the limit of ${limits.maxBytes} bytes at ${quotePath(path)} (refused before writing it)`,
      );
  };
  const reused = { trees: 0, files: 0 };
  let symlinks = 0;
  const limit = pLimit(writeConcurrency);
  try {
    await Promise.all([
      ...reusedTrees.map((t) =>
        limit(async () => {
          count(t.path, t.bytes, 'subtree');
          symlinks += await linkTree(t.from, o.dir, t.path, label);
          reused.trees++;
        }),
      ),
      ...files.map((f) =>
        limit(async () => {
          const earlier = o.reuse?.blobs.get(`${f.oid} ${f.mode}`);
          if (earlier && (await linkFile(join(o.reuse!.dir, earlier.path), join(o.dir, f.path)))) {
            count(f.path, earlier.size);
            sizes.set(f.path, earlier.size);
            reused.files++;
            return;
          }
          const { blob } = await git.readBlob({ ...read, oid: f.oid });
          count(f.path, blob.length);
          sizes.set(f.path, blob.length);
          await writeFile(join(o.dir, f.path), blob, {
            flag: 'wx',
            mode: f.mode === '100755' ? 0o755 : 0o644,
          });
        }),
      ),
    ]);
  } finally {
    limit.clearQueue();
  }

  // 3. Symlinks last, each checked lexically; the caller's scan then resolves chains and loops.
  for (const l of links) {
    const { blob } = await git.readBlob({ ...read, oid: l.oid });
    const refuse = (why: string) =>
      new SourceError('source:path-escape', `${label}: symlink ${quotePath(l.path)} ${why}`);
    if (blob.length > maxPathBytes) throw refuse(`has a target longer than ${maxPathBytes} bytes`);
    const target = Buffer.from(blob).toString('utf8');
    if (!linkStaysInside(l.path, target)) throw refuse('leads outside the repository checkout');
    await symlink(target, join(o.dir, l.path));
  }
  symlinks += links.length;
  return {
    entries,
    bytes,
    reused,
    symlinks,
    index: indexOf(o.dir, trees, files, links, dirs, reusedTrees, sizes),
  };
}

/**
 * Hard-links the files of an earlier checkout's directory `from` into `root/path`, recreating its
 * directories and symlinks. The earlier checkout held the same limits; its symlinks are checked
 * again here because the same subtree may sit at another depth now, where `..` leads elsewhere.
 */
async function linkTree(from: string, root: string, path: string, label: string): Promise<number> {
  let symlinks = 0;
  await mkdir(join(root, path), { mode: 0o755 });
  for await (const e of await opendir(from)) {
    const rel = `${path}/${e.name}`;
    if (e.isDirectory()) symlinks += await linkTree(join(from, e.name), root, rel, label);
    else if (e.isSymbolicLink()) {
      symlinks++;
      const target = await readlink(join(from, e.name));
      if (!linkStaysInside(rel, target))
        throw new SourceError(
          'source:path-escape',
          `${label}: symlink ${quotePath(rel)} leads outside the repository checkout`,
        );
      await symlink(target, join(root, rel));
    } else if (e.isFile()) await link(join(from, e.name), join(root, rel));
  }
  return symlinks;
}

/** Hard-links one file; false when the earlier checkout no longer has it (evicted meanwhile). */
async function linkFile(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** The checkout's trees and regular files by id, with the entries and bytes under each tree. */
function indexOf(
  dir: string,
  trees: Entry[],
  files: Entry[],
  links: Entry[],
  dirs: string[],
  reusedTrees: (Entry & { entries: number; bytes: number })[],
  sizes: Map<string, number>,
): CheckoutIndex {
  const totals = new Map<string, { entries: number; bytes: number }>(
    trees.map((t) => [t.path, { entries: 0, bytes: 0 }]),
  );
  const add = (path: string, entries: number, bytes: number) => {
    for (let p = path; p !== '';) {
      p = posix.dirname(p) === '.' ? '' : posix.dirname(p);
      const t = totals.get(p);
      if (t) {
        t.entries += entries;
        t.bytes += bytes;
      }
    }
  };
  for (const path of dirs) add(path, 1, 0);
  for (const l of links) add(l.path, 1, 0);
  for (const f of files) add(f.path, 1, sizes.get(f.path) ?? 0);
  for (const r of reusedTrees) add(r.path, 1 + r.entries, r.bytes);
  const index: CheckoutIndex = { dir, trees: new Map(), blobs: new Map() };
  for (const t of trees) index.trees.set(t.oid, { path: t.path, ...totals.get(t.path)! });
  for (const r of reusedTrees) index.trees.set(r.oid, { path: r.path, entries: r.entries, bytes: r.bytes });
  for (const f of files)
    index.blobs.set(`${f.oid} ${f.mode}`, { path: f.path, size: sizes.get(f.path) ?? 0 });
  return index;
}
