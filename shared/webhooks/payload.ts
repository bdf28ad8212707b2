// Reading a verified webhook body: JSON parsed without prototype pollution or unbounded recursion,
// fields read by path with errors that name them. Only runs after the signature or token is checked.
import { WebhookError } from './types.js';

/** Keys that could reach an object's prototype if a payload were later merged or spread. */
const forbiddenKeys = new Set(['__proto__', 'constructor', 'prototype']);

/** A JSON object from a payload; fields are read with the helpers below. */
export type JsonObject = Record<string, unknown>;

/**
 * Decodes and parses a JSON payload. Refuses (400) text that is not UTF-8, not JSON, nests deeper than
 * `maxDepth`, or has a `__proto__`, `constructor` or `prototype` key anywhere. Nesting is measured by a
 * flat scan before parsing, so a deeply nested body is refused without recursing into it.
 */
export function parseJsonPayload(text: Buffer | string, subject: string, maxDepth: number): unknown {
  const json = typeof text === 'string' ? text : decodeUtf8(text, subject);
  assertNestingWithin(json, maxDepth, subject);
  try {
    return JSON.parse(json, (key, value: unknown) => {
      if (forbiddenKeys.has(key)) {
        throw new WebhookError('webhook:bad-payload', 400, `${subject}: key "${key}" is not allowed`);
      }
      return value;
    }) as unknown;
  } catch (err) {
    if (err instanceof WebhookError) throw err;
    throw new WebhookError('webhook:bad-payload', 400, `${subject}: body is not valid JSON`, { cause: err });
  }
}

/** UTF-8 text of `bytes`; 400 if they are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array, subject: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (err) {
    throw new WebhookError('webhook:bad-payload', 400, `${subject}: body is not valid UTF-8`, { cause: err });
  }
}

/** Counts `{`/`[` nesting outside strings; malformed text is left for JSON.parse to refuse. */
function assertNestingWithin(json: string, maxDepth: number, subject: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > maxDepth) {
        throw new WebhookError(
          'webhook:bad-payload',
          400,
          `${subject}: nests deeper than ${maxDepth} levels`,
        );
      }
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
}

/** Reads fields of one payload, naming them by path (`commits[2].added[0]`) in 400 errors. */
export class PayloadReader {
  constructor(readonly subject: string) {}

  fail(path: string, problem: string): WebhookError {
    return new WebhookError('webhook:bad-payload', 400, `${this.subject}: ${path} ${problem}`);
  }

  object(value: unknown, path: string): JsonObject {
    if (!isObject(value)) throw this.fail(path, value === undefined ? 'is missing' : 'must be an object');
    return value;
  }

  string(value: unknown, path: string): string {
    if (typeof value !== 'string')
      throw this.fail(path, value === undefined ? 'is missing' : 'must be a string');
    return value;
  }

  optionalString(value: unknown, path: string): string | undefined {
    return value === undefined || value === null ? undefined : this.string(value, path);
  }

  optionalBoolean(value: unknown, path: string): boolean | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') throw this.fail(path, 'must be true or false');
    return value;
  }

  optionalCount(value: unknown, path: string): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw this.fail(path, 'must be a non-negative integer');
    }
    return value;
  }

  /** A commit SHA of one of `lengths` hex digits, returned lower-case. */
  sha(value: unknown, path: string, lengths: readonly number[]): string {
    const text = this.string(value, path);
    if (!lengths.includes(text.length) || !/^[0-9a-fA-F]+$/.test(text)) {
      throw this.fail(path, `must be a ${lengths.join(' or ')}-digit hex commit SHA`);
    }
    return text.toLowerCase();
  }

  /** A git ref: bounded, no control characters (refs end up in logs, keys and git commands). */
  ref(value: unknown, path: string): string {
    const ref = this.string(value, path);
    if (ref.length === 0 || ref.length > 1024 || /[\u0000-\u001f\u007f]/.test(ref)) {
      throw this.fail(path, 'must be a git ref without control characters, at most 1024 characters');
    }
    return ref;
  }

  /** The distinct non-empty strings among `fields` of `holder`, in field order; 400 if none. */
  urls(holder: JsonObject, holderPath: string, fields: readonly string[]): string[] {
    const urls: string[] = [];
    for (const field of fields) {
      const url = this.optionalString(own(holder, field), `${holderPath}.${field}`);
      if (url && !urls.includes(url)) urls.push(url);
    }
    if (urls.length === 0) throw this.fail(holderPath, `has none of ${fields.join(', ')}`);
    return urls;
  }

  /**
   * The distinct paths in `commits[].added/modified/removed`, sorted; undefined when a commit lacks a
   * list, there are no commits, or there are more than `maxFiles` paths.
   */
  changedFiles(commits: unknown, maxFiles: number): string[] | undefined {
    if (commits === undefined || commits === null) return undefined;
    if (!Array.isArray(commits)) throw this.fail('commits', 'must be an array');
    if (commits.length === 0) return undefined;
    const files = new Set<string>();
    for (const [i, entry] of commits.entries()) {
      const commit = this.object(entry, `commits[${i}]`);
      for (const list of ['added', 'modified', 'removed'] as const) {
        const paths = own(commit, list);
        if (paths === undefined || paths === null) return undefined;
        if (!Array.isArray(paths)) throw this.fail(`commits[${i}].${list}`, 'must be an array');
        for (const [j, path] of paths.entries()) {
          files.add(this.string(path, `commits[${i}].${list}[${j}]`));
          if (files.size > maxFiles) return undefined;
        }
      }
    }
    return [...files].sort();
  }
}

/** `obj[key]` if it is an own property (never one inherited from a prototype). */
export function own(obj: JsonObject, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A branch, a tag, or some other ref (pull request heads, notes…), from a full ref name. */
export type RefKind = { kind: 'branch'; branch: string } | { kind: 'tag' } | { kind: 'other'; name: string };

export function classifyRef(ref: string): RefKind {
  if (ref.startsWith('refs/heads/') && ref.length > 'refs/heads/'.length) {
    return { kind: 'branch', branch: ref.slice('refs/heads/'.length) };
  }
  if (ref.startsWith('refs/tags/')) return { kind: 'tag' };
  return { kind: 'other', name: ref };
}

/** True for the all-zero SHA providers send for a ref that did not exist before or no longer exists. */
export function isZeroSha(sha: string | undefined): boolean {
  return sha !== undefined && /^0+$/.test(sha);
}
