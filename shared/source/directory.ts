// The Directory source type: plain manifest files, with Argo CD's `spec.source.directory`
// semantics (recurse, include, exclude; notes/argo-compat.md). Files are found by the safe walk
// (no symlink leaves the checkout), read with bounded concurrency and parsed in path order, so the
// same commit always yields the same objects in the same order.
import { readFile, realpath } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import pLimit from 'p-limit';
import picomatch from 'picomatch';
import type { DesiredObject } from '../engine/prepare.js';
import { SourceError } from './errors.js';
import { quotePath, scanTree } from './safe-path.js';
import type { DirectoryOptions, RenderResult, SourceLimits } from './types.js';
import { defaultSourceLimits } from './types.js';
import { parseJsonManifests, parseManifests, type DocumentCount, type ParsedManifest } from './yaml.js';
import { jsonnetEvaluator, jsonnetOutputAsManifests, type JsonnetRun } from './jsonnet.js';

/** The files Argo CD reads in a directory source (its `manifestFile` pattern, case-sensitive). */
const manifestFile = /\.(?:ya?ml|json|jsonnet)$/;
/** Argo CD leaves out any file holding this marker. */
const skipMarker = '+argocd:skip-file-rendering';
/** Files read at once: enough to hide disk latency, few enough to bound open files and memory. */
const readConcurrency = 16;
/** `spec.source.directory` fields this renderer knows. */
const knownFields = new Set(['recurse', 'include', 'exclude', 'jsonnet']);
/** Stands in for `/` while matching (a file name never holds NUL): see `compileGlob`. */
const separator = '\u0000';

/**
 * Argo CD matches include/exclude with gobwas/glob and no separators: `*` matches across `/`, so
 * `*.yaml` also selects `sub/app.yaml` when recursing. picomatch's `*` stops at `/`; hiding the
 * separators from it gives Argo's meaning while keeping picomatch's braces (`{a.yaml,env/*.yaml}`),
 * `?` and `[…]`. A leading `!` and extglobs are literal, as in gobwas/glob.
 */
function compileGlob(field: string, pattern: string | undefined): ((path: string) => boolean) | undefined {
  if (pattern === undefined || pattern === '') return undefined;
  let isMatch: (path: string) => boolean;
  try {
    isMatch = picomatch(pattern.replaceAll('/', separator), {
      dot: true,
      nonegate: true,
      noextglob: true,
      strictBrackets: true,
    });
  } catch (err) {
    throw new SourceError(
      'source:invalid-option',
      `directory.${field} ${quotePath(pattern)} is not a valid glob: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return (path) => isMatch(path.replaceAll('/', separator));
}

/**
 * Whether `spec.source.directory.jsonnet` asks for anything. `argocd app create` and the UI write
 * `jsonnet: {}` (or empty extVars/tlas/libs) into apps that never use jsonnet; that is not a request.
 */
function jsonnetRequested(jsonnet: unknown): boolean {
  if (jsonnet === undefined || jsonnet === null) return false;
  if (typeof jsonnet !== 'object' || Array.isArray(jsonnet)) return true;
  return Object.values(jsonnet).some(
    (v) => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0),
  );
}

/** Whether `dir` is `root` or below it; a path that cannot be resolved is left to the walk to report. */
async function insideOrEqual(root: string, dir: string): Promise<boolean> {
  try {
    const [r, d] = await Promise.all([realpath(root), realpath(dir)]);
    return d === r || d.startsWith(r.endsWith(sep) ? r : r + sep);
  } catch {
    return true;
  }
}

/**
 * Renders a directory of plain manifests as Argo CD does: `.yaml`, `.yml` and `.json` files in
 * `appDir` (subdirectories only with `recurse`), selected by `include`/`exclude` globs matched
 * against the path relative to `appDir`, hidden files and directories left out, files read in
 * sorted path order. A `.json` file holds one object or a List. Each object's source is
 * `<path>:<line>`, the path relative to `displayRoot` (default `appDir`). `count` carries the
 * render's document and node budget across its sources (default: a fresh one).
 *
 * `displayRoot` is the checkout: symlinks may point anywhere inside it (not only inside `appDir`)
 * and nowhere outside it; without it, `appDir` is the boundary. `appDir` should come from
 * `resolveInside`. `.jsonnet` files are evaluated with `jsonnet` (jsonnet.ts) with the
 * `directory.jsonnet` options; without a jsonnet tool they are refused as `source:unsupported`
 * rather than skipped: skipping would deploy less than Argo CD does, and prune.
 */
export async function renderDirectory(
  appDir: string,
  opts: DirectoryOptions = {},
  limits: SourceLimits = defaultSourceLimits,
  displayRoot?: string,
  count: DocumentCount = { documents: 0 },
  /** How `.jsonnet` files are evaluated; without it they are refused. */
  jsonnet?: Omit<JsonnetRun, 'limits' | 'repoRoot'>,
): Promise<RenderResult> {
  if (jsonnetRequested(opts.jsonnet) && !jsonnet)
    throw new SourceError(
      'source:unsupported',
      'directory.jsonnet: this installation has no jsonnet tool to evaluate it',
    );
  const warnings = Object.keys(opts)
    .filter((k) => !knownFields.has(k))
    .map((k) => `directory.${k} is not supported and was ignored`);
  const include = compileGlob('include', opts.include);
  const exclude = compileGlob('exclude', opts.exclude);

  const root = displayRoot ?? appDir;
  if (displayRoot !== undefined && !(await insideOrEqual(displayRoot, appDir)))
    throw new SourceError('source:path-escape', 'app path: the directory is outside the repository checkout');
  const prefix = relative(root, appDir).split(sep).filter(Boolean).join('/');
  const shown = (rel: string) => (prefix ? `${prefix}/${rel}` : rel);

  const scan = await scanTree(root, limits, {
    dir: appDir,
    recurse: opts.recurse === true,
    skipHidden: true,
    label: prefix ? `app path ${quotePath(prefix)}` : 'app path',
    select: (rel) => manifestFile.test(rel) && !exclude?.(rel) && (include === undefined || include(rel)),
  });
  const jsonnetFile = scan.paths.find((p) => p.endsWith('.jsonnet'));
  if (jsonnetFile !== undefined && !jsonnet)
    throw new SourceError(
      'source:unsupported',
      `${shown(jsonnetFile)}: this installation has no jsonnet tool to evaluate it (Argo CD would)`,
    );
  const evaluator =
    jsonnetFile !== undefined && jsonnet
      ? await jsonnetEvaluator(appDir, opts.jsonnet ?? {}, { ...jsonnet, limits, repoRoot: root })
      : undefined;

  const limit = pLimit(readConcurrency);
  const reads = scan.paths.map((rel) => limit(() => readFile(join(appDir, rel), 'utf8')));
  // Parsing waits for each file in order while later reads are in flight.
  reads.forEach((r) => r.catch(() => undefined));
  const objects: DesiredObject[] = [];
  try {
    for (const [i, rel] of scan.paths.entries()) {
      const file = shown(rel);
      let text: string;
      try {
        text = await reads[i]!;
      } catch (err) {
        throw new SourceError(
          'source:read-failed',
          `${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
          { cause: err },
        );
      }
      if (text.includes(skipMarker)) continue;
      const parsed: ParsedManifest[] = rel.endsWith('.jsonnet')
        ? parseJsonManifests(
            jsonnetOutputAsManifests(await evaluator!.evaluate(join(appDir, rel), file)),
            file,
            limits,
            count,
          )
        : rel.endsWith('.json')
          ? parseJsonManifests(text, file, limits, count)
          : parseManifests(text, file, limits, count);
      for (const { object, line } of parsed) objects.push({ object, source: `${file}:${line}` });
    }
  } finally {
    limit.clearQueue();
  }
  if (objects.length === 0)
    warnings.push(
      `${prefix || 'the app path'}: no objects found (no non-empty .yaml, .yml, .json or .jsonnet files selected)`,
    );
  return { objects, sourceType: 'Directory', warnings };
}
