// Writes the files of one commit into a fresh directory, refusing before anything past a limit is
// written (notes/safety.md items 11, 12 and 14). isomorphic-git's checkout writes the whole tree
// first and leaves the limits to a scan afterwards; here the tree is read first (trees are small,
// and a tree that repeats one subtree 10 times 9 levels deep is refused at `maxFiles` entries, not
// after writing a billion files), then each blob is checked against the per-file and total byte
// limits before it is written. Symlinks are written last, after every file and directory, so no
// write can pass through one; submodules (gitlinks) become empty directories and are never fetched.
import type * as fs from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import * as git from 'isomorphic-git';
import pLimit from 'p-limit';
import { SourceError } from './errors.js';
import { quotePath } from './safe-path.js';
import type { SourceLimits } from './types.js';

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
}

export interface WriteTreeOptions {
  fs: typeof fs;
  gitdir: string;
  /** An empty directory to write into. */
  dir: string;
  /** The commit whose tree is written. */
  commit: string;
  limits: SourceLimits;
  /** Starts every error message, e.g. `https://git.example.com/repo.git at 1a2b3c4d5e6f`. */
  label: string;
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
  const read = { fs: o.fs, gitdir: o.gitdir, cache };
  const { commit } = await git.readCommit({ ...read, oid: o.commit });

  // 1. Every tree, breadth first, counting entries: nothing is written yet.
  const dirs: string[] = [];
  const files: Entry[] = [];
  const links: Entry[] = [];
  let entries = 0;
  const pending: { path: string; oid: string }[] = [{ path: '', oid: commit.tree }];
  while (pending.length > 0) {
    const tree = pending.shift()!;
    let items: git.TreeEntry[];
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
          `${label}: the tree has more than ${limits.maxFiles} files and directories (refused at ${quotePath(path)}, before writing any)`,
        );
      if (Buffer.byteLength(path) > maxPathBytes)
        throw new SourceError(
          'source:path-escape',
          `${label}: entry ${quotePath(path)} has a path longer than ${maxPathBytes} bytes`,
        );
      const entry = { path, oid: item.oid, mode: item.mode };
      if (item.mode === '040000') {
        dirs.push(path);
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
  const limit = pLimit(writeConcurrency);
  try {
    await Promise.all(
      files.map((f) =>
        limit(async () => {
          const { blob } = await git.readBlob({ ...read, oid: f.oid });
          if (blob.length > limits.maxFileBytes)
            throw new SourceError(
              'source:too-large',
              `${label}: file ${quotePath(f.path)} is ${blob.length} bytes, more than the limit of ${limits.maxFileBytes} bytes for one file`,
            );
          // Counted before the write, in the same synchronous step: concurrent writes cannot pass it.
          bytes += blob.length;
          if (bytes > limits.maxBytes)
            throw new SourceError(
              'source:too-large',
              `${label}: the files pass the limit of ${limits.maxBytes} bytes at ${quotePath(f.path)} (refused before writing it)`,
            );
          await writeFile(join(o.dir, f.path), blob, {
            flag: 'wx',
            mode: f.mode === '100755' ? 0o755 : 0o644,
          });
        }),
      ),
    );
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
  return { entries, bytes };
}
