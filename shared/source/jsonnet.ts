// Jsonnet files of a directory app, evaluated as Argo CD's repo-server does (go-jsonnet, one run
// per `.jsonnet` file, `directory.jsonnet` extVars, tlas and libs, the app directory and the libs
// as the import path; an array result is a list of objects), with the real `jsonnet` command
// sandboxed like helm and kustomize:
// - go-jsonnet reads any file an `import`, `importstr` or `importbin` names, absolute or `../`:
//   every import of the file and of everything it imports (and of code-valued variables) is read
//   here first, and a path that is absolute or climbs (`..`) is refused before the command runs,
//   so an import can only name a file below the importing file's directory or a library path,
//   all inside the checkout (whose symlinks were checked to stay inside it);
// - variables' values never reach the command line: each is a file in the render's directory,
//   passed by `--ext-str-file name=<file>` and the like; names are checked identifiers;
// - time and output are bounded, and the run has the tools' empty environment.
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { SourceError } from './errors.js';
import { resolveInside } from './safe-path.js';
import { runTool } from './tool-runner.js';
import type { JsonnetOptions, JsonnetVariable, SourceLimits } from './types.js';
import { checkJsonnetLibPath, checkJsonnetVariableName, showValue } from '../domain/tool-args.js';

export interface JsonnetRun {
  /** Path of the jsonnet binary. */
  bin: string;
  /** The checkout: imports and libraries stay inside it. */
  repoRoot: string;
  /** The render's own directory (variable files and HOME go here). */
  renderDir: string;
  limits: SourceLimits;
  /** Substituted for $ARGOCD_APP_NAME and $ARGOCD_APP_NAMESPACE in variable values, as Argo CD does. */
  appName: string;
  namespace: string;
}

/** Variables Argo CD substitutes into extVars and tlas values (its build environment). */
function substitute(value: string, run: JsonnetRun): string {
  const env: Record<string, string> = { ARGOCD_APP_NAME: run.appName, ARGOCD_APP_NAMESPACE: run.namespace };
  return value.replace(/\$(?:\{(\w+)\}|(\w+))/g, (all, braced?: string, bare?: string) => {
    const name = braced ?? bare ?? '';
    return Object.hasOwn(env, name) ? env[name]! : all;
  });
}

/** Bytes of one variable's value: a value is configuration, not data. */
const maxValueBytes = 1024 * 1024;
/** Files one evaluation may import (transitively): a bound on the checks' work. */
const maxImportedFiles = 5000;

function checkVariables(list: unknown, field: string): JsonnetVariable[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list))
    throw new SourceError('source:invalid-option', `directory.jsonnet.${field} must be a list`);
  return list.map((v: unknown, i) => {
    const at = `directory.jsonnet.${field}[${i}]`;
    const item = (v ?? {}) as Record<string, unknown>;
    const name = checkJsonnetVariableName(item.name, `${at}.name`);
    if (item.value !== undefined && typeof item.value !== 'string')
      throw new SourceError('source:invalid-option', `${at}.value must be a string`);
    const value = (item.value as string | undefined) ?? '';
    if (Buffer.byteLength(value) > maxValueBytes)
      throw new SourceError('source:invalid-option', `${at}.value is longer than ${maxValueBytes} bytes`);
    return { name, value, code: item.code === true };
  });
}

// --- imports ------------------------------------------------------------------------------------

interface ImportFound {
  kind: 'import' | 'importstr' | 'importbin';
  path: string;
  line: number;
}

const escapes: Record<string, string> = {
  '"': '"',
  "'": "'",
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/**
 * Finds every import of a Jsonnet text with a small lexer (comments and strings skipped, so words
 * inside them are not imports). An import whose argument is not a plain string literal is refused:
 * Jsonnet allows only literals there, and a form this lexer would misread is not run.
 */
export function findImports(text: string, file: string): ImportFound[] {
  const found: ImportFound[] = [];
  let i = 0;
  const lineAt = (pos: number) => text.slice(0, pos).split('\n').length;
  const bad = (pos: number, why: string) =>
    new SourceError('source:invalid-jsonnet', `${file}:${lineAt(pos)}: ${why}`);
  const skipString = (pos: number): { end: number; value?: string } => {
    const c = text[pos]!;
    if (c === '|' && text.startsWith('|||', pos)) {
      const end = text.slice(pos + 3).search(/\n[ \t]*\|\|\|/);
      if (end < 0) throw bad(pos, 'a text block (|||) is not closed');
      const close = text.indexOf('|||', pos + 3 + end);
      return { end: close + 3 };
    }
    const verbatim = c === '@';
    const quote = verbatim ? text[pos + 1]! : c;
    let j = verbatim ? pos + 2 : pos + 1;
    let value = '';
    for (;;) {
      if (j >= text.length) throw bad(pos, 'a string is not closed');
      const ch = text[j]!;
      if (verbatim && ch === quote) {
        if (text[j + 1] === quote) {
          value += quote;
          j += 2;
          continue;
        }
        return { end: j + 1, value };
      }
      if (!verbatim && ch === '\\') {
        const e = text[j + 1] ?? '';
        if (e === 'u') {
          value += String.fromCharCode(Number.parseInt(text.slice(j + 2, j + 6), 16));
          j += 6;
        } else {
          value += escapes[e] ?? e;
          j += 2;
        }
        continue;
      }
      if (ch === quote) return { end: j + 1, value };
      value += ch;
      j++;
    }
  };
  const skipSpaceAndComments = (pos: number): number => {
    for (;;) {
      const rest = text.slice(pos, pos + 2);
      if (/^\s/.test(rest)) pos++;
      else if (rest === '//' || rest[0] === '#') {
        const nl = text.indexOf('\n', pos);
        pos = nl < 0 ? text.length : nl + 1;
      } else if (rest === '/*') {
        const close = text.indexOf('*/', pos + 2);
        if (close < 0) throw bad(pos, 'a comment is not closed');
        pos = close + 2;
      } else return pos;
    }
  };
  while (i < text.length) {
    const next = skipSpaceAndComments(i);
    if (next !== i) {
      i = next;
      continue;
    }
    const c = text[i]!;
    if (
      c === '"' ||
      c === "'" ||
      (c === '@' && (text[i + 1] === '"' || text[i + 1] === "'")) ||
      text.startsWith('|||', i)
    ) {
      i = skipString(i).end;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i, i + 64))?.[0];
    if (!word) {
      i++;
      continue;
    }
    if (word === 'import' || word === 'importstr' || word === 'importbin') {
      const at = skipSpaceAndComments(i + word.length);
      const q = text[at];
      if (!(q === '"' || q === "'" || (q === '@' && (text[at + 1] === '"' || text[at + 1] === "'"))))
        throw bad(i, `${word} must be followed by a quoted path`);
      const { end, value } = skipString(at);
      found.push({ kind: word, path: value ?? '', line: lineAt(i) });
      i = end;
      continue;
    }
    i += word.length;
  }
  return found;
}

/** Refuses an import path that is empty, absolute or climbs; returns it unchanged otherwise. */
function checkImportPath(imp: ImportFound, file: string): string {
  const p = imp.path;
  if (p === '' || p.includes('\0') || p.includes('\\') || p.startsWith('/') || p.split('/').includes('..'))
    throw new SourceError(
      'source:path-escape',
      `${file}:${imp.line}: ${imp.kind} ${showValue(p)} is not allowed (absolute and ".." import paths could leave the repository; put shared files in directory.jsonnet.libs)`,
    );
  return p;
}

/**
 * Checks the imports of `start` (a file, or code with its directory) and of every Jsonnet file
 * they may import: each candidate go-jsonnet could pick (the importing file's directory, then
 * each library path) that exists is read and checked in turn.
 */
async function checkImportsFrom(
  start: { text: string; dir: string; label: string }[],
  jpaths: string[],
  run: JsonnetRun,
): Promise<void> {
  const seen = new Set<string>();
  const queue = [...start];
  const show = (f: string) => relative(run.repoRoot, f).split(sep).join('/');
  while (queue.length > 0) {
    const { text, dir, label } = queue.shift()!;
    for (const imp of findImports(text, label)) {
      const path = checkImportPath(imp, label);
      if (imp.kind !== 'import') continue; // importstr/importbin read data, not code
      for (const base of [dir, ...jpaths]) {
        const candidate = join(base, path);
        if (!existsSync(candidate) || !statSync(candidate).isFile()) continue;
        const real = await realpath(candidate);
        if (seen.has(real)) continue;
        seen.add(real);
        if (seen.size > maxImportedFiles)
          throw new SourceError('source:too-large', `${label}: imports more than ${maxImportedFiles} files`);
        if (statSync(real).size > run.limits.maxFileBytes)
          throw new SourceError(
            'source:too-large',
            `${show(candidate)}: larger than ${run.limits.maxFileBytes} bytes`,
          );
        queue.push({ text: await readFile(real, 'utf8'), dir: dirname(candidate), label: show(candidate) });
      }
    }
  }
}

// --- evaluation ---------------------------------------------------------------------------------

/** Library paths (`directory.jsonnet.libs`), relative to the repository root, resolved inside it. */
async function libraryPaths(opts: JsonnetOptions, run: JsonnetRun): Promise<string[]> {
  const libs = opts.libs ?? [];
  if (!Array.isArray(libs))
    throw new SourceError('source:invalid-option', 'directory.jsonnet.libs must be a list');
  const out: string[] = [];
  for (const [i, lib] of libs.entries()) {
    checkJsonnetLibPath(lib, `directory.jsonnet.libs[${i}]`);
    out.push(await resolveInside(run.repoRoot, lib as string, `directory.jsonnet.libs[${i}]`));
  }
  return out;
}

export interface JsonnetEvaluator {
  /** Evaluates one `.jsonnet` file; returns its JSON output. */
  evaluate(file: string, label: string): Promise<string>;
}

/**
 * Prepares evaluation for a directory app: checks the options, writes each variable's value to a
 * file in the render's directory and checks the imports of code-valued variables. Each file's own
 * imports are checked when it is evaluated.
 */
export async function jsonnetEvaluator(
  appDir: string,
  opts: JsonnetOptions,
  run: JsonnetRun,
): Promise<JsonnetEvaluator> {
  const extVars = checkVariables(opts.extVars, 'extVars');
  const tlas = checkVariables(opts.tlas, 'tlas');
  const jpaths = [appDir, ...(await libraryPaths(opts, run))];
  const varDir = join(run.renderDir, 'jsonnet-variables');
  await mkdir(varDir, { recursive: true });
  const args: string[] = [];
  const codes: { text: string; dir: string; label: string }[] = [];
  for (const [kind, list] of [
    ['ext', extVars],
    ['tla', tlas],
  ] as const) {
    for (const [i, v] of list.entries()) {
      const value = substitute(v.value, run);
      const file = join(varDir, `${kind}-${i}${v.code ? '.jsonnet' : '.txt'}`);
      await writeFile(file, value);
      if (v.code)
        codes.push({
          text: value,
          dir: varDir,
          label: `directory.jsonnet.${kind === 'ext' ? 'extVars' : 'tlas'}[${i}]`,
        });
      args.push(`--${kind}-${v.code ? 'code' : 'str'}-file`, `${v.name}=${file}`);
    }
  }
  await checkImportsFrom(codes, jpaths, run);
  // Searched as Argo CD's FileImporter{JPaths: [appDir, ...libs]} searches: the importing file's
  // directory, then the last path first; go-jsonnet's command searches the last -J first too.
  const jpathArgs = jpaths.flatMap((p) => ['-J', p]);
  return {
    async evaluate(file, label) {
      await checkImportsFrom(
        [{ text: await readFile(file, 'utf8'), dir: dirname(file), label }],
        jpaths,
        run,
      );
      return runTool({
        bin: run.bin,
        args: ['--max-stack', '500', '--max-trace', '6', ...jpathArgs, ...args, '--', file],
        cwd: run.renderDir,
        home: join(run.renderDir, '.home'),
        timeoutMs: run.limits.timeoutMs,
        maxOutputBytes: run.limits.maxBytes,
        what: `jsonnet ${label}`,
      });
    },
  };
}

/** Jsonnet output as `.json` manifest text: an array (Argo CD's list of objects) becomes a List. */
export function jsonnetOutputAsManifests(output: string): string {
  return /^\s*\[/.test(output) ? `{"apiVersion":"v1","kind":"List","items":${output}}` : output;
}
