// The glob syntax of Argo CD's AppProjects (gobwas/glob): `*` any run of characters except a
// separator, `**` any run including separators, `?` one character except a separator, `[abc]`,
// `[a-z]` and `[!abc]` one character of (or not of) a set, `{a,b}` alternatives (nestable), `\x`
// the character x. Without a separator `*` and `**` are the same.
//
// Matching is a set-of-positions simulation, linear in the value for each pattern position: no
// regular expression is built from user input, so a pattern such as `*a*a*a*a*b` cannot make a
// long value backtrack exponentially.
import { GitferryError } from './errors.js';

/** A pattern that is not valid glob syntax; the message says what is wrong with it. */
export class GlobError extends GitferryError {
  override name = 'GlobError';
  constructor(message: string) {
    super('glob:invalid', message);
  }
}

type Token =
  | { t: 'char'; c: string }
  | { t: 'one' }
  | { t: 'set'; negate: boolean; items: [string, string][] }
  | { t: 'star'; crossSeparators: boolean };

/** A parsed pattern: a sequence, some items of which are alternatives of sequences. */
type Node = Token | { t: 'alt'; options: Node[][] };

const maxPatternLength = 1024;
/** `{a,b}{c,d}…` multiplies; past this many expanded sequences the pattern is refused. */
const maxExpansions = 256;

function parse(pattern: string): Node[] {
  let i = 0;
  const fail = (why: string) => new GlobError(`glob ${JSON.stringify(pattern)} ${why}`);

  const parseSet = (): Token => {
    i++; // [
    const negate = pattern[i] === '!';
    if (negate) i++;
    const items: [string, string][] = [];
    while (i < pattern.length && pattern[i] !== ']') {
      let lo = pattern[i]!;
      if (lo === '\\') {
        if (++i >= pattern.length) throw fail('ends with an unfinished escape "\\"');
        lo = pattern[i]!;
      }
      i++;
      if (pattern[i] === '-' && i + 1 < pattern.length && pattern[i + 1] !== ']') {
        const hi = pattern[i + 1]!;
        if (hi < lo) throw fail(`has a reversed range ${lo}-${hi}`);
        items.push([lo, hi]);
        i += 2;
      } else items.push([lo, lo]);
    }
    if (i >= pattern.length) throw fail('has a "[" without its "]"');
    if (items.length === 0) throw fail('has an empty set "[]"');
    i++; // ]
    return { t: 'set', negate, items };
  };

  // Parses until `end` (a `}` or `,` inside alternatives, or the end of the pattern).
  const parseSeq = (inAlt: boolean): Node[] => {
    const seq: Node[] = [];
    while (i < pattern.length) {
      const c = pattern[i]!;
      if (inAlt && (c === ',' || c === '}')) return seq;
      if (c === '\\') {
        if (i + 1 >= pattern.length) throw fail('ends with an unfinished escape "\\"');
        seq.push({ t: 'char', c: pattern[i + 1]! });
        i += 2;
      } else if (c === '*') {
        const cross = pattern[i + 1] === '*';
        i += cross ? 2 : 1;
        seq.push({ t: 'star', crossSeparators: cross });
      } else if (c === '?') {
        seq.push({ t: 'one' });
        i++;
      } else if (c === '[') {
        seq.push(parseSet());
      } else if (c === ']') {
        throw fail('has a "]" without its "["');
      } else if (c === '{') {
        i++;
        const options: Node[][] = [parseSeq(true)];
        while (pattern[i] === ',') {
          i++;
          options.push(parseSeq(true));
        }
        if (pattern[i] !== '}') throw fail('has a "{" without its "}"');
        i++;
        seq.push({ t: 'alt', options });
      } else if (c === '}') {
        throw fail('has a "}" without its "{"');
      } else {
        seq.push({ t: 'char', c });
        i++;
      }
    }
    return seq;
  };

  const nodes = parseSeq(false);
  return nodes;
}

function expand(nodes: Node[], pattern: string): Token[][] {
  let out: Token[][] = [[]];
  for (const n of nodes) {
    if (n.t !== 'alt') {
      for (const seq of out) seq.push(n);
      continue;
    }
    const alternatives = n.options.flatMap((o) => expand(o, pattern));
    const next: Token[][] = [];
    for (const seq of out)
      for (const alt of alternatives) {
        next.push([...seq, ...alt]);
        if (next.length > maxExpansions)
          throw new GlobError(
            `glob ${JSON.stringify(pattern)} has too many alternatives (more than ${maxExpansions})`,
          );
      }
    out = next;
  }
  return out;
}

function tokenMatches(tok: Token, c: string, separator: string | undefined): boolean {
  switch (tok.t) {
    case 'char':
      return tok.c === c;
    case 'one':
      return c !== separator;
    case 'set':
      if (c === separator) return false;
      return tok.items.some(([lo, hi]) => c >= lo && c <= hi) !== tok.negate;
    case 'star':
      return tok.crossSeparators || c !== separator;
  }
}

/** Runs one expanded sequence over the value: the set of pattern positions reachable so far. */
function matchSeq(seq: Token[], value: string, separator: string | undefined): boolean {
  const closure = (states: Set<number>) => {
    // A star may match nothing: whoever is at a star is also just past it.
    for (const s of [...states].sort((a, b) => a - b))
      for (let k = s; k < seq.length && seq[k]!.t === 'star'; k++) states.add(k + 1);
    return states;
  };
  let states = closure(new Set([0]));
  for (let k = 0; k < value.length; k++) {
    const c = value[k]!;
    const next = new Set<number>();
    for (const s of states) {
      const tok = seq[s];
      if (!tok || !tokenMatches(tok, c, separator)) continue;
      next.add(tok.t === 'star' ? s : s + 1);
    }
    if (next.size === 0) return false;
    states = closure(next);
  }
  return states.has(seq.length);
}

export type GlobMatcher = (value: string) => boolean;

const cache = new Map<string, GlobMatcher>();

/**
 * Compiles an AppProject glob; throws GlobError for invalid syntax (an unclosed `[` or `{`, a
 * stray `]` or `}`, an empty set, a trailing `\`, too many alternatives, or over 1024 characters).
 * With `separator`, `*` and `?` stop at it and only `**` crosses it.
 */
export function compileGlob(pattern: string, separator?: string): GlobMatcher {
  const key = `${separator ?? ''}\u0000${pattern}`;
  const hit = cache.get(key);
  if (hit) return hit;
  if (typeof pattern !== 'string') throw new GlobError('a glob must be a string');
  if (pattern.length > maxPatternLength)
    throw new GlobError(`glob is longer than ${maxPatternLength} characters`);
  const seqs = expand(parse(pattern), pattern);
  const matcher: GlobMatcher = (value) => seqs.some((seq) => matchSeq(seq, value, separator));
  if (cache.size >= 1000) cache.clear();
  cache.set(key, matcher);
  return matcher;
}

/** Whether `value` matches `pattern` (see compileGlob); throws GlobError for an invalid pattern. */
export function globMatches(pattern: string, value: string, separator?: string): boolean {
  return compileGlob(pattern, separator)(value);
}
