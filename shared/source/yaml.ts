// Manifest parsing for renders: js-yaml for speed (about 9x faster than yaml 2.x on 2,000 objects,
// notes/stack.md), yaml 2.x only to place an error js-yaml can only report at the end of the stream.
// Bounded against alias bombs, huge inputs and document floods (notes/safety.md item 13).
import yaml from 'js-yaml';
import { parseDocument } from 'yaml';
import type { KubeObject } from '../domain/kube-object.js';
import { SourceError } from './errors.js';
import type { SourceLimits } from './types.js';
import { defaultSourceLimits } from './types.js';

/** One object of a manifest file and the 1-based line its document starts on. */
export interface ParsedManifest {
  object: KubeObject;
  line: number;
}

/**
 * What one render has produced so far, shared across its files and sources to enforce
 * `maxDocuments` and `maxNodesPerRender`.
 */
export interface DocumentCount {
  documents: number;
  /** JSON nodes of every document parsed so far, aliases counted each time they are reached. */
  nodes?: number;
}

// --- Schema -------------------------------------------------------------------------------------
// kubectl and Argo CD read YAML with sigs.k8s.io/yaml (go-yaml v2, YAML 1.1 scalars). js-yaml's
// default schema is YAML 1.2 plus timestamps: `defaultMode: 0400` would become 400 rather than
// 0o400 (wrong file permissions, silently), and `2024-01-01` a Date. So plain scalars resolve as
// go-yaml v2 resolves them (goyaml.v2/resolve.go), except timestamps, which stay the string written.

const { Type, FAILSAFE_SCHEMA } = yaml;
// js-yaml 4 exports its built-in types as `types`; @types/js-yaml 4.0.9 does not declare them.
const { types } = yaml as unknown as { types: Record<'null' | 'float' | 'merge', yaml.Type> };

const yaml11Bools = new Map<string, boolean>([
  ...['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'].map((s) => [s, true] as const),
  ...['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'].map(
    (s) => [s, false] as const,
  ),
]);

// js-yaml asks every implicit type about every plain scalar. go-yaml looks at the first character
// first (its resolveTable); doing the same keeps names and labels off the number regexes.
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
/** Could be an int: starts with a digit or a sign (go-yaml's 'D' and 'S' hints). */
const mayBeInt = (s: string) => {
  const c = s.charCodeAt(0);
  return isDigit(c) || c === 0x2b || c === 0x2d;
};
/** Could be a float: an int's start, or a dot (`.5`, `.inf`). */
const mayBeFloat = (s: string) => mayBeInt(s) || s.charCodeAt(0) === 0x2e;

const boolType = new Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (data: string | null) => data !== null && data.length <= 5 && yaml11Bools.has(data),
  construct: (data: string) => yaml11Bools.get(data),
  predicate: (o: unknown) => typeof o === 'boolean',
  represent: { lowercase: (o: object) => (o ? 'true' : 'false') },
  defaultStyle: 'lowercase',
});

/** Go's strconv.ParseInt(s, 0, 64) syntax, after go-yaml removed underscores: `0644` is octal. */
const goInt = /^[-+]?(?:0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+|[1-9][0-9]*|0)$/;

const withoutUnderscores = (s: string) => (s.includes('_') ? s.replaceAll('_', '') : s);

function parseGoInt(data: string): number {
  const plain = withoutUnderscores(data);
  const negative = plain.startsWith('-');
  const digits = plain.replace(/^[-+]/, '');
  let value: number;
  if (/^0[xX]/.test(digits)) value = parseInt(digits.slice(2), 16);
  else if (/^0[bB]/.test(digits)) value = parseInt(digits.slice(2), 2);
  else if (/^0[oO]/.test(digits)) value = parseInt(digits.slice(2), 8);
  else if (digits.length > 1 && digits.startsWith('0')) value = parseInt(digits.slice(1), 8);
  else value = parseInt(digits, 10);
  return negative ? -value : value;
}

const intType = new Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (data: string | null) => data !== null && mayBeInt(data) && goInt.test(withoutUnderscores(data)),
  construct: parseGoInt,
  predicate: (o: unknown) => typeof o === 'number' && Number.isInteger(o),
  represent: { decimal: (o: object) => String(o) },
  defaultStyle: 'decimal',
});

const floatType = new Type('tag:yaml.org,2002:float', {
  kind: 'scalar',
  resolve: (data: string | null) => data !== null && mayBeFloat(data) && types.float.resolve(data),
  construct: (data: string) => types.float.construct(data),
  predicate: (o: unknown) => typeof o === 'number',
  represent: (o: object) => String(o),
});

/**
 * The YAML schema Gitferry reads manifests with: go-yaml v2's scalars (as kubectl), merge keys,
 * no timestamps, and no tags beyond the standard `!!str`, `!!int`, `!!bool`, `!!float`, `!!null`,
 * `!!map`, `!!seq` (any other tag is an error: nothing in a repository can construct objects).
 */
export const kubernetesYamlSchema = FAILSAFE_SCHEMA.extend({
  implicit: [types.null, boolType, intType, floatType, types.merge],
});

// --- Documents ----------------------------------------------------------------------------------

/**
 * Collections nested in one document. js-yaml 4.3 stops at 100 by default, which large generated
 * CRD schemas approach; go-yaml (kubectl) allows 10,000. 1,000 stays far from the stack limit.
 */
const maxDepth = 1000;

/** A document marker: `---` or `...` at the start of a line, alone or followed by a space. */
const documentMarker = /^(?:---|\.\.\.)(?=[ \t\r\n]|$)/gm;
/** A line with content: not blank, not a comment. */
const contentLine = /^[ \t]*[^ \t\r\n#]/m;
/** A line with content that is not a directive (`%YAML 1.1`). */
const documentLine = /^[ \t]*[^ \t\r\n#%]/m;

interface Chunk {
  text: string;
  /** 0-based line of the chunk's first character in the file. */
  firstLine: number;
  /** Whether YAML counts it as a document: it opens with `---` or holds content. */
  isDocument: boolean;
}

/**
 * Splits a YAML stream into its documents. YAML forbids `---` and `...` at the start of a line
 * inside any scalar (c-forbidden), so the markers alone decide where documents begin, and each
 * document can be parsed alone: line numbers stay exact, and a flood of documents stops before
 * the rest is parsed. Directives (`%YAML`) stay with the document they precede.
 */
function splitDocuments(text: string): Chunk[] {
  const chunks: Chunk[] = [];
  let start = 0;
  let startLine = 0;
  let scanned = 0;
  let scannedLine = 0;
  const lineOf = (pos: number) => {
    for (let i = text.indexOf('\n', scanned); i !== -1 && i < pos; i = text.indexOf('\n', i + 1))
      scannedLine++;
    scanned = pos;
    return scannedLine;
  };
  const cutAt = (end: number) => {
    const piece = text.slice(start, end);
    chunks.push({
      text: piece,
      firstLine: startLine,
      isDocument: piece.startsWith('---') || contentLine.test(piece),
    });
    start = end;
    startLine = lineOf(end);
  };
  for (const m of text.matchAll(documentMarker)) {
    const at = m.index;
    if (at < start) continue;
    if (m[0] === '...') {
      const eol = text.indexOf('\n', at);
      cutAt(eol === -1 ? text.length : eol + 1);
    } else if (at > start) {
      const piece = text.slice(start, at);
      const directivesOnly = !piece.startsWith('---') && /^%/m.test(piece) && !documentLine.test(piece);
      if (!directivesOnly) cutAt(at);
    }
  }
  if (start < text.length) cutAt(text.length);
  return chunks;
}

/** 0-based line, within a chunk, where its content starts (after `---`, blanks, comments, directives). */
function contentStart(chunk: string): number {
  let line = 0;
  let pos = 0;
  while (pos < chunk.length) {
    const eol = chunk.indexOf('\n', pos);
    let row = chunk.slice(pos, eol === -1 ? chunk.length : eol);
    if (row.startsWith('---')) row = row.slice(3);
    if (documentLine.test(row)) return line;
    if (eol === -1) break;
    pos = eol + 1;
    line++;
  }
  return 0;
}

// --- Errors -------------------------------------------------------------------------------------

function syntaxError(file: string, chunk: Chunk, index: number, err: yaml.YAMLException): SourceError {
  let line = (err.mark?.line ?? 0) + 1;
  let column = (err.mark?.column ?? 0) + 1;
  let reason = err.reason || 'invalid YAML';
  // js-yaml's own bounds (nesting depth, merge-key work) are size limits, not syntax errors.
  if (/exceeded (maxDepth|maxTotalMergeKeys)/.test(reason))
    return new SourceError(
      'source:document-too-large',
      `${file}:${chunk.firstLine + line}:${column}: document ${index} is too large: ${reason}`,
    );
  // js-yaml reports an unclosed flow collection or quote where the stream ends; yaml 2.x often
  // points at the line that started the trouble. Only then is the slower parser consulted.
  if (err.mark && err.mark.position >= chunk.text.trimEnd().length) {
    const first = parseDocument(chunk.text, { version: '1.1' }).errors[0];
    const pos = first?.linePos?.[0];
    if (first && pos && pos.line < line) {
      line = pos.line;
      column = pos.col;
      // yaml 2.x appends the position and a snippet of the source; keep the sentence only.
      reason = first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    }
  }
  // The reason only: js-yaml's full message quotes the source, which may hold a Secret's data.
  return new SourceError('source:invalid-yaml', `${file}:${chunk.firstLine + line}:${column}: ${reason}`, {
    cause: new Error(reason),
  });
}

// --- Objects ------------------------------------------------------------------------------------

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return 'a string';
  return `a ${typeof value}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Counts the nodes of a document, every shared reference each time it is reached (so a billion-
 * laughs document counts as the billion nodes it expands to), stopping past `max`. With `copy`, it
 * returns a fresh tree: YAML aliases come out of js-yaml as shared objects, and a later edit of
 * one (a label added) must not change another (a selector), as it would not with kubectl.
 */
function countNodes(value: unknown, max: number, copy: boolean): { count: number; value: unknown } {
  let count = 0;
  const visit = (v: unknown): unknown => {
    if (++count > max) throw tooLarge;
    if (Array.isArray(v)) {
      if (!copy) {
        for (const item of v) visit(item);
        return v;
      }
      return v.map(visit);
    }
    if (v !== null && typeof v === 'object') {
      if (!copy) {
        for (const key in v) visit((v as Record<string, unknown>)[key]);
        return v;
      }
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(v)) {
        // defineProperty keeps a `__proto__` key an ordinary key, as js-yaml and JSON.parse do.
        Object.defineProperty(out, key, {
          value: visit((v as Record<string, unknown>)[key]),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    return v;
  };
  const tooLarge = new Error('too many nodes');
  try {
    const result = visit(value);
    return { count, value: result };
  } catch (err) {
    if (err === tooLarge) return { count, value: undefined };
    throw err;
  }
}

interface Collector {
  file: string;
  limits: SourceLimits;
  count: DocumentCount;
  out: ParsedManifest[];
}

function take(c: Collector, doc: unknown, index: number, line: number, mayShare: boolean): void {
  if (doc === null || doc === undefined) return;
  const where = `${c.file}:${line}`;
  if (!isPlainObject(doc))
    throw new SourceError(
      'source:invalid-manifest',
      `${where}: document ${index} is ${describeValue(doc)}, not a Kubernetes object`,
    );
  // The walk stops at whichever budget is nearer, so a shared (aliased) tree is never copied past
  // what the render may still hold: the budget holds while parsing, not after.
  const spent = c.count.nodes ?? 0;
  const renderLeft = c.limits.maxNodesPerRender - spent;
  const max = Math.min(c.limits.maxNodesPerDocument, renderLeft);
  const { count, value } = countNodes(doc, Math.max(0, max), mayShare);
  if (count > c.limits.maxNodesPerDocument)
    throw new SourceError(
      'source:document-too-large',
      `${where}: document ${index} expands to more than ${c.limits.maxNodesPerDocument} nodes (repeated aliases?)`,
    );
  if (count > renderLeft)
    throw new SourceError(
      'source:render-too-large',
      `${where}: document ${index} brings the render past ${c.limits.maxNodesPerRender} nodes in all (${spent} before it; too many or too large documents, or repeated aliases)`,
    );
  c.count.nodes = spent + count;
  const object = value as Record<string, unknown>;
  const kind = object.kind;
  const items = object.items;
  // `kind: List` (and `ConfigMapList`…) as kubectl and Argo CD unwrap them; `items: null` is empty.
  if (typeof kind === 'string' && kind.endsWith('List') && (Array.isArray(items) || items === null)) {
    for (const [i, item] of (items ?? []).entries()) {
      if (!isPlainObject(item))
        throw new SourceError(
          'source:invalid-manifest',
          `${where}: item ${i + 1} of the ${kind} in document ${index} is ${describeValue(item)}, not a Kubernetes object`,
        );
      push(c, item, line);
    }
    return;
  }
  push(c, object, line);
}

function push(c: Collector, object: Record<string, unknown>, line: number): void {
  if (++c.count.documents > c.limits.maxDocuments)
    throw new SourceError(
      'source:too-many-documents',
      `${c.file}:${line}: the render produces more than ${c.limits.maxDocuments} objects`,
    );
  c.out.push({ object: object as unknown as KubeObject, line });
}

function checkSize(text: string, file: string, limits: SourceLimits): void {
  // Characters never outnumber UTF-8 bytes, so this errs only toward accepting.
  if (text.length > limits.maxBytes)
    throw new SourceError('source:too-large', `${file} is larger than ${limits.maxBytes} bytes`);
}

/**
 * Parses a multi-document YAML manifest file into objects, each with the 1-based line its document
 * starts on (for `DesiredObject.source = file:line`). Empty and null documents are skipped; `List`
 * kinds are flattened into their items. Errors (SourceError) name `file`:
 * - `source:invalid-yaml` — `file:line:column: reason`, 1-based;
 * - `source:invalid-manifest` — a document (by 1-based index) that is not an object;
 * - `source:document-too-large` — a document past `limits.maxNodesPerDocument` (alias bombs);
 * - `source:too-many-documents` — more than `limits.maxDocuments` objects, counted in `count`
 *   (pass one counter for every file of a render);
 * - `source:render-too-large` — the documents counted in `count` together past
 *   `limits.maxNodesPerRender` nodes, refused at the document that passes it;
 * - `source:too-large` — text longer than `limits.maxBytes`.
 */
export function parseManifests(
  text: string,
  file: string,
  limits: SourceLimits = defaultSourceLimits,
  count: DocumentCount = { documents: 0 },
): ParsedManifest[] {
  checkSize(text, file, limits);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const c: Collector = { file, limits, count, out: [] };
  let index = 0;
  for (const chunk of splitDocuments(text)) {
    if (!chunk.isDocument) continue;
    index++;
    if (!contentLine.test(chunk.text)) continue;
    let doc: unknown;
    try {
      doc = yaml.load(chunk.text, { schema: kubernetesYamlSchema, maxDepth } as yaml.LoadOptions);
    } catch (err) {
      if (err instanceof yaml.YAMLException) throw syntaxError(file, chunk, index, err);
      // The stack or V8's string length ran out (maxDepth should stop nesting first).
      if (err instanceof RangeError)
        throw new SourceError(
          'source:document-too-large',
          `${file}:${chunk.firstLine + contentStart(chunk.text) + 1}: document ${index} is too large to parse`,
          { cause: err },
        );
      throw err;
    }
    // Aliases need an anchor (`&`) in the same document; without one nothing can be shared.
    const line = chunk.firstLine + contentStart(chunk.text) + 1;
    take(c, doc, index, line, chunk.text.includes('&'));
  }
  return c.out;
}

/**
 * Parses YAML that is one value rather than a manifest file (an Application or AppProject posted
 * to the API): a single document, resolved as kubectl would, with aliases expanded into copies and
 * refused past `maxNodes` before they are (a billion-laughs body costs its text, not its
 * expansion). Errors are SourceErrors naming `subject`: `source:invalid-yaml` (`subject:line:column:
 * reason`, also for more than one document) and `source:document-too-large`.
 */
export function parseYamlValue(text: string, subject: string, maxNodes: number): unknown {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const chunk: Chunk = { text, firstLine: 0, isDocument: true };
  let doc: unknown;
  try {
    doc = yaml.load(text, { schema: kubernetesYamlSchema, maxDepth } as yaml.LoadOptions);
  } catch (err) {
    if (err instanceof yaml.YAMLException) throw syntaxError(subject, chunk, 1, err);
    if (err instanceof RangeError)
      throw new SourceError('source:document-too-large', `${subject} is too large to parse`, { cause: err });
    throw err;
  }
  const { count, value } = countNodes(doc, maxNodes, true);
  if (count > maxNodes)
    throw new SourceError(
      'source:document-too-large',
      `${subject} expands to more than ${maxNodes} nodes (repeated aliases?)`,
    );
  return value;
}

/** 1-based line and column of a character offset. */
function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Where and why `text` is not JSON. Runs only after JSON.parse failed: V8's messages quote the
 * source (which may hold a Secret's data) and on Node 20 often give no position.
 */
function findJsonError(text: string): { offset: number; reason: string } {
  let i = 0;
  class Stop {
    constructor(readonly reason: string) {}
  }
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r'))
      i++;
  };
  const fail = (reason: string): never => {
    throw new Stop(i >= text.length ? 'unexpected end of input' : reason);
  };
  const number = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?/y;
  const string = () => {
    i++;
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const ch = text.charCodeAt(i);
      if (ch === 0x22) break;
      if (ch < 0x20) fail('control character in a string');
      if (ch === 0x5c) {
        const next = text[i + 1] ?? '';
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('bad \\u escape in a string');
          i += 4;
        } else if (!'"\\/bfnrt'.includes(next) || next === '') fail('bad escape in a string');
        i++;
      }
      i++;
    }
    i++;
  };
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === '{' || ch === '[') {
      const close = ch === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) {
        i++;
        return;
      }
      for (;;) {
        if (ch === '{') {
          ws();
          if (text[i] !== '"') fail('expected a property name in double quotes');
          string();
          ws();
          if (text[i] !== ':') fail("expected ':' after a property name");
          i++;
        }
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === close) {
          i++;
          return;
        }
        fail(`expected ',' or '${close}'`);
      }
    }
    if (ch === '"') return string();
    for (const literal of ['true', 'false', 'null'])
      if (text.startsWith(literal, i)) {
        i += literal.length;
        return;
      }
    number.lastIndex = i;
    if (number.test(text)) {
      i = number.lastIndex;
      return;
    }
    fail('unexpected character');
  };
  try {
    value();
    ws();
    if (i < text.length) fail('unexpected text after the JSON value');
  } catch (err) {
    if (err instanceof Stop) return { offset: i, reason: err.reason };
    if (err instanceof RangeError) return { offset: 0, reason: 'nested too deeply' };
    throw err;
  }
  return { offset: 0, reason: 'invalid JSON' };
}

/**
 * Parses a `.json` manifest file: one object, or a `List` of them (as Argo CD allows). Errors are
 * those of `parseManifests`, with `source:invalid-json` for a syntax error (`file:line:column`).
 */
export function parseJsonManifests(
  text: string,
  file: string,
  limits: SourceLimits = defaultSourceLimits,
  count: DocumentCount = { documents: 0 },
): ParsedManifest[] {
  checkSize(text, file, limits);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const c: Collector = { file, limits, count, out: [] };
  const first = text.search(/\S/);
  if (first === -1) return c.out;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    const { offset, reason } = findJsonError(text);
    const { line, column } = positionOf(text, offset);
    // Not `{ cause: err }`: V8's message quotes the file's text.
    throw new SourceError('source:invalid-json', `${file}:${line}:${column}: ${reason}`, {
      cause: new SyntaxError(reason),
    });
  }
  take(c, doc, 1, positionOf(text, first).line, false);
  return c.out;
}
