// Keeps every path a render touches inside the checkout (DESIGN.md safety rule 5; notes/safety.md
// items 10–12): no `..`, absolute paths, URLs or NUL bytes, and no symlink that leads out of the
// checkout, dangles or loops (Argo CD CVE-2022-24348, -24730, -24904). Errors name the path as the
// repository spells it, never a symlink's target: the target may be a secret (/proc/self/environ).
import type { Dir, Stats } from 'node:fs';
import { lstat, opendir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, posix, relative, sep } from 'node:path';
import pLimit from 'p-limit';
import { SourceError } from './errors.js';
import type { SourceLimits } from './types.js';

/** A scheme such as `file:`, `https:`, `ext::` or `oci:` at the start: a URL, not a path. */
const urlScheme = /^[A-Za-z][A-Za-z0-9+.-]*:/;
/** Files stat'ed at once while scanning. */
const statConcurrency = 32;
/** Longest user-supplied path quoted in an error message. */
const maxQuoted = 200;

/**
 * How an error quotes a user-supplied path: JSON-escaped (a NUL or newline stays visible), with
 * URL credentials removed, and cut short so a huge value cannot flood logs.
 */
export function quotePath(value: string): string {
  const cleaned = value.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#\\]*@/, '$1');
  const short = cleaned.length > maxQuoted ? `${cleaned.slice(0, maxQuoted)}…` : cleaned;
  return JSON.stringify(short);
}

function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** The real path of a directory that must exist; `subject` names it in the error. */
async function realDirOf(path: string, subject: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (err) {
    throw new SourceError('source:read-failed', `${subject} cannot be read (${errnoOf(err)})`, {
      cause: err,
    });
  }
}

/**
 * Resolves a repository-relative path (an app path, value file, kustomize path…) to an absolute
 * path inside `root` (the checkout), following symlinks that stay inside it. The path need not
 * exist: a missing file resolves, and reading it fails later as a missing file would.
 *
 * Refused with SourceError `source:path-escape`: absolute paths, `..` that climbs out of root,
 * anything with a URL scheme (`file://`, `https://`, `ext::`), NUL bytes, and a symlink at any
 * component that leads outside root, dangles or loops. `what` names the path in errors
 * (`value file`, `app path`).
 *
 * `..` is resolved lexically (`a/link/../b` is `a/b`), as Go's filepath.Join does for Argo CD.
 * The result is spelled under `root` as given, even when root itself is reached through a symlink.
 */
export async function resolveInside(root: string, relativePath: string, what: string): Promise<string> {
  const refuse = (why: string) =>
    new SourceError('source:path-escape', `${what} ${quotePath(relativePath)} ${why}`);
  if (relativePath.includes('\0')) throw refuse('contains a NUL byte');
  if (urlScheme.test(relativePath)) throw refuse('is a URL; only paths inside the repository are allowed');
  if (isAbsolute(relativePath))
    throw refuse('is an absolute path; only paths inside the repository are allowed');
  const normal = posix.normalize(relativePath === '' ? '.' : relativePath);
  if (normal === '..' || normal.startsWith('../')) throw refuse('leaves the repository checkout');

  const realRoot = await realDirOf(root, `${what} ${quotePath(relativePath)}: the checkout`);
  const parts = normal.split('/').filter((p) => p !== '' && p !== '.');
  let current = realRoot;
  for (const [i, part] of parts.entries()) {
    const next = join(current, part);
    let info: Stats;
    try {
      info = await lstat(next);
    } catch (err) {
      const code = errnoOf(err);
      // Nothing is there: no symlink can be further down, so the rest is plain names.
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        current = join(next, ...parts.slice(i + 1));
        break;
      }
      throw new SourceError(
        'source:read-failed',
        `${what} ${quotePath(relativePath)} cannot be read (${code})`,
        {
          cause: err,
        },
      );
    }
    if (!info.isSymbolicLink()) {
      current = next;
      continue;
    }
    const link = quotePath(parts.slice(0, i + 1).join('/'));
    let target: string;
    try {
      target = await realpath(next);
    } catch (err) {
      // No cause attached: nothing of the target may reach a message or a log.
      const code = errnoOf(err);
      if (code === 'ELOOP') throw refuse(`goes through a symlink loop at ${link}`);
      if (code === 'ENOENT' || code === 'ENOTDIR') throw refuse(`goes through a dangling symlink at ${link}`);
      throw refuse(`goes through a symlink at ${link} that cannot be resolved (${code})`);
    }
    if (!isInside(realRoot, target))
      throw refuse(`goes through a symlink at ${link} that leads outside the repository checkout`);
    current = target;
  }
  return join(root, relative(realRoot, current));
}

/** Options of `scanTree`; every field is optional (see `defaultScanOptions`). */
export interface ScanOptions {
  /** Absolute directory inside root to start from (default: root). */
  dir?: string;
  /** Descend into subdirectories (default true). Symlinked directories are never entered. */
  recurse?: boolean;
  /** Leave out files and directories whose name starts with `.` (default false). */
  skipHidden?: boolean;
  /** Names left out wherever they appear, e.g. `['.git']` (default none). */
  ignore?: string[];
  /**
   * Which files, by path relative to `dir`, to list and whose bytes count against the limits
   * (default: all). Every entry walked still counts against `maxFiles`.
   */
  select?: (relativePath: string) => boolean;
  /** What errors call the tree (default `repository checkout`). */
  label?: string;
}

export const defaultScanOptions = {
  recurse: true,
  skipHidden: false,
  ignore: [] as string[],
  label: 'repository checkout',
};

/** What `scanTree` found. */
export interface TreeScan {
  /** Entries walked: files, directories and symlinks. */
  files: number;
  /** Bytes of the selected files (of their targets, for symlinks). */
  bytes: number;
  /** The selected files, relative to the start directory with `/` separators, in walk order. */
  paths: string[];
}

/** Orders paths as a depth-first walk of sorted directories does (`a/b` before `a-b`). */
function compareWalkOrder(a: string, b: string): number {
  const as = a.split('/');
  const bs = b.split('/');
  for (let i = 0; i < Math.min(as.length, bs.length); i++) {
    const x = as[i]!;
    const y = bs[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return as.length - bs.length;
}

/**
 * Walks a directory inside a checkout, refusing any symlink that leads outside root, dangles or
 * loops (the message names the link relative to root, never its target), and counting entries
 * and bytes against `limits` (SourceError `source:too-many-files` / `source:too-large`, raised
 * as soon as a limit is passed so a 100k-file tree is not walked to the end). Symlinks inside
 * root are allowed; a symlink to a file counts as that file, a symlink to a directory is checked
 * but not entered (as Go's filepath.Walk does for Argo CD).
 */
export async function scanTree(
  root: string,
  limits: SourceLimits,
  opts: ScanOptions = {},
): Promise<TreeScan> {
  const o = { ...defaultScanOptions, ...opts };
  const realRoot = await realDirOf(root, `${o.label}: the checkout`);
  const realStart = opts.dir === undefined ? realRoot : await realDirOf(opts.dir, o.label);
  if (!isInside(realRoot, realStart))
    throw new SourceError('source:path-escape', `${o.label}: the directory to scan is outside it`);
  const startFromRoot = relative(realRoot, realStart).split(sep).filter(Boolean).join('/');
  const shown = (rel: string) => quotePath(startFromRoot ? `${startFromRoot}/${rel}` : rel);

  const result: TreeScan = { files: 0, bytes: 0, paths: [] };
  const sized: { rel: string; abs: string }[] = [];
  const ignore = new Set(o.ignore);
  const pending: string[] = [''];
  while (pending.length > 0) {
    const dirRel = pending.pop()!;
    let dir: Dir;
    try {
      dir = await opendir(dirRel ? join(realStart, dirRel) : realStart);
    } catch (err) {
      throw new SourceError(
        'source:read-failed',
        `${o.label}: ${dirRel ? `directory ${shown(dirRel)}` : 'the directory'} cannot be read (${errnoOf(err)})`,
        { cause: err },
      );
    }
    for await (const entry of dir) {
      if (ignore.has(entry.name) || (o.skipHidden && entry.name.startsWith('.'))) continue;
      result.files++;
      if (result.files > limits.maxFiles)
        throw new SourceError(
          'source:too-many-files',
          `${o.label} has more than ${limits.maxFiles} files and directories`,
        );
      const rel = dirRel ? `${dirRel}/${entry.name}` : entry.name;
      const abs = join(realStart, rel);
      if (entry.isDirectory()) {
        if (o.recurse) pending.push(rel);
        continue;
      }
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        const refuse = (why: string) =>
          new SourceError('source:path-escape', `${o.label}: symlink ${shown(rel)} ${why}`);
        let target: string;
        try {
          target = await realpath(abs);
        } catch (err) {
          const code = errnoOf(err);
          if (code === 'ELOOP') throw refuse('is part of a symlink loop');
          if (code === 'ENOENT' || code === 'ENOTDIR') throw refuse('dangles (its target does not exist)');
          throw refuse(`cannot be resolved (${code})`);
        }
        if (!isInside(realRoot, target)) throw refuse('leads outside the repository checkout');
        isFile = (await stat(target)).isFile();
      }
      if (isFile && (!o.select || o.select(rel))) sized.push({ rel, abs });
    }
  }

  const limit = pLimit(statConcurrency);
  await Promise.all(
    sized.map(({ abs }) =>
      limit(async () => {
        // Not `bytes += await …`: that reads `bytes` before the await and loses concurrent sizes.
        const { size } = await stat(abs);
        result.bytes += size;
        if (result.bytes > limits.maxBytes) {
          limit.clearQueue();
          throw new SourceError('source:too-large', `${o.label} holds more than ${limits.maxBytes} bytes`);
        }
      }),
    ),
  );
  result.paths = sized.map((s) => s.rel).sort(compareWalkOrder);
  return result;
}
