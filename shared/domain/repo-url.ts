// Kept apart from git.ts so the webhook function can match repos without bundling a git client.
//
// One canonical form per repository URL, computed once when an Application or AppProject is
// accepted and stored: every later decision (project sourceRepos, credential rules, webhook
// matching, fetching) reads that same string, so nothing can be matched in one spelling and
// fetched in another. Ambiguous spellings are refused rather than resolved: a URL parser resolves
// `good/../evil` and `good/%2e%2e/evil` to `evil`, while a glob or prefix test on the raw string
// still sees `good`; userinfo (`https://git.example.com@evil.net/`) moves the host.
//
// Case: scheme and host are case-insensitive (DNS) and always lower-cased. The path keeps the case
// it was written in, because the stored URL is fetched and a plain git server is case-sensitive.
// For *matching* (projects, webhooks, credentials) `repoMatchKey` lower-cases the path and drops a
// trailing `.git`, as GitHub and GitLab treat `Org/Repo.git` and `org/repo` as one repository and
// as Argo CD's NormalizeGitURL does.
import { GitferryError } from './errors.js';

/** A repository URL Gitferry will not accept; the message names the URL (never its userinfo). */
export class RepoUrlError extends GitferryError {
  override name = 'RepoUrlError';
  constructor(message: string) {
    super('repo-url:invalid', message);
  }
}

/** Longer than any real repository URL; bounds the work done on a hostile value. */
export const maxRepoUrlLength = 2048;

/**
 * The URL as an error message may show it: userinfo, query and fragment cut off (they may hold a
 * token), control characters escaped by JSON quoting, and bounded in length.
 */
function shown(url: string): string {
  const cut = url
    .replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/*)?[^/?#\\]*@/, '$1…@')
    .replace(/[?#][\s\S]*$/, '')
    .slice(0, 200);
  return JSON.stringify(cut);
}

// Percent-encodings that change nothing for a server but something for a string matcher:
// unreserved characters (RFC 3986 §2.3: ALPHA, DIGIT, - . _ ~, never needing encoding, so `%2e`
// is only ever an attempt to hide a dot segment), encoded separators (%2F, %5C), an encoded `%`
// (double encoding), and control characters.
const ambiguousEscape = /%(?:[46][1-9A-F]|[57][0-9A]|3[0-9]|2[DEF]|5[CF]|7E|25|[01][0-9A-F]|7F)/i;

/**
 * The canonical form of a repository (or Helm repository) URL: `http(s)://host[:port]/path`
 * (`oci://host[:port]/path` for a Helm chart registry),
 * scheme and host lower-cased, default port dropped, a trailing dot of the host dropped, `//`
 * collapsed, no trailing `/`, percent-escapes in upper case. Throws RepoUrlError for anything
 * but http(s), userinfo, a query, a fragment, dot segments (plain or percent-encoded), backslashes,
 * whitespace or control characters, ambiguous percent-encodings, or a missing host.
 * Idempotent: `canonicalRepoUrl(canonicalRepoUrl(u)) === canonicalRepoUrl(u)`.
 */
export function canonicalRepoUrl(input: unknown): string {
  if (typeof input !== 'string') throw new RepoUrlError('a repository URL must be a string');
  const raw = input.replace(/^ +| +$/g, '');
  const refuse = (why: string) => new RepoUrlError(`repository URL ${shown(raw)} ${why}`);
  if (raw === '') throw new RepoUrlError('a repository URL must not be empty');
  if (raw.length > maxRepoUrlLength) throw refuse(`is longer than ${maxRepoUrlLength} characters`);
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(raw)?.[1]?.toLowerCase();
  // oci:// names a Helm chart registry (Application sources with `chart`, chart dependencies).
  if (scheme !== 'http' && scheme !== 'https' && scheme !== 'oci')
    throw refuse(
      scheme
        ? `uses the ${scheme} scheme: only http://, https:// (and oci:// for Helm charts) are allowed`
        : 'is not an http:// or https:// URL',
    );
  // The URL parser silently drops tabs and newlines and trims controls; git and curl do not.
  if (/[\u0000-\u0020\u007f]/.test(raw)) throw refuse('contains whitespace or control characters');
  // WHATWG URLs read `\` as `/` in http(s) URLs; other parsers read it as data (or userinfo).
  if (raw.includes('\\')) throw refuse('contains a backslash');
  if (!/^(?:https?|oci):\/\/[^/]/i.test(raw)) throw refuse('must be written scheme://host/path');
  if (raw.includes('?')) throw refuse('must not have a query (?…)');
  if (raw.includes('#')) throw refuse('must not have a fragment (#…)');
  const afterScheme = raw.slice(scheme.length + 3);
  const slash = afterScheme.indexOf('/');
  const authority = slash < 0 ? afterScheme : afterScheme.slice(0, slash);
  const rawPath = slash < 0 ? '' : afterScheme.slice(slash);
  if (authority.includes('@'))
    throw refuse('must not carry a user name or password (give credentials as a credential rule)');
  if (authority.includes('%')) throw refuse('must not percent-encode its host');
  if (rawPath.split('/').some((seg) => seg === '.' || seg === '..'))
    throw refuse('must not contain "." or ".." path segments');
  for (const m of rawPath.matchAll(/%(.{0,2})/g))
    if (!/^[0-9A-Fa-f]{2}$/.test(m[1]!)) throw refuse('has a malformed percent-encoding');
  if (ambiguousEscape.test(rawPath))
    throw refuse(
      'percent-encodes a character that needs no encoding, a separator or "%" (such as %2e, %2f or %25)',
    );

  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse('is not a valid URL');
  }
  if (url.username || url.password) throw refuse('must not carry a user name or password');
  // Lower-cased by hand: the URL parser does so only for http(s), not for oci://.
  const hostname = url.hostname.toLowerCase().replace(/\.$/, '');
  if (hostname === '' || hostname.startsWith('.')) throw refuse('names no host');
  if (hostname.startsWith('-')) throw refuse('has a host name starting with "-"');
  const path = url.pathname
    .replace(/\/{2,}/g, '/')
    .replace(/\/+$/, '')
    .replace(/%[0-9a-f]{2}/gi, (e) => e.toUpperCase());
  const port = scheme === 'oci' && url.port === '443' ? '' : url.port;
  return `${url.protocol}//${hostname}${port ? `:${port}` : ''}${path}`;
}

/**
 * The key two repository URLs are compared by: the canonical form with the path lower-cased and a
 * trailing `.git` dropped. Throws RepoUrlError as canonicalRepoUrl does.
 */
export function repoMatchKey(url: string): string {
  return canonicalRepoUrl(url)
    .toLowerCase()
    .replace(/\.git$/, '');
}

/** A repo URL in one canonical form, for cache keys and matching webhooks to apps (= repoMatchKey). */
export function normalizeRepoUrl(url: string): string {
  return repoMatchKey(url);
}

/**
 * Whether `url` is `base` or lies under it: the same scheme, host and port exactly, and base's
 * path segments a leading run of url's (whole segments, compared as repoMatchKey compares them).
 * Never a string prefix: `https://git.example.com` does not cover `https://git.example.com.evil.net/x`
 * nor `https://git.example.com/org` cover `https://git.example.com/organisation`.
 */
export function repoUrlIsWithin(url: string, base: string): boolean {
  const a = new URL(repoMatchKey(url));
  const b = new URL(repoMatchKey(base));
  if (a.protocol !== b.protocol || a.host !== b.host) return false;
  const segments = (u: URL) => u.pathname.split('/').filter(Boolean);
  const [as, bs] = [segments(a), segments(b)];
  return bs.length <= as.length && bs.every((s, i) => s === as[i]);
}
