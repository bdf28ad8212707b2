import { registerSecret } from '../domain/redact.js';
import type { GitCredentials } from '../source/git-http.js';
import type { SecretStore } from '../ports/secret-store.js';
import { canonicalRepoUrl, RepoUrlError, repoUrlIsWithin } from '../domain/repo-url.js';
import { GitferryError } from '../domain/errors.js';

/**
 * Which secret holds the credentials for repos under a URL: the same scheme, host and port
 * exactly, and the rule's path as whole leading segments of the repo's path (compared as
 * repoMatchKey compares them). Never a string prefix: a rule for `https://git.example.com` does not
 * send its token to `https://git.example.com.evil.net/x`. The rule with the most segments wins.
 */
export interface RepoCredentialRule {
  urlPrefix: string;
  /** Secret value: a token, or JSON `{"username": "...", "password": "..."}`. */
  secret: string;
}

/** A credential rule names a secret that is missing or empty. */
export class RepoCredentialsError extends GitferryError {
  override name = 'RepoCredentialsError';
}

/** Resolves git credentials for a repo URL from the secret store; undefined for public repos. */
export function repoCredentialsResolver(
  rules: RepoCredentialRule[],
  secrets: SecretStore,
): (repoURL: string) => Promise<GitCredentials | undefined> {
  // A rule that is not a canonical-able URL is a configuration error: said at start, not ignored.
  const canonical = rules.map((r, i) => {
    try {
      return { ...r, base: canonicalRepoUrl(r.urlPrefix) };
    } catch (err) {
      throw new RepoUrlError(
        `repository credential rule ${i} (secret ${r.secret}): ${(err as Error).message}`,
      );
    }
  });
  const depth = (u: string) => new URL(u).pathname.split('/').filter(Boolean).length;
  const sorted = canonical.sort((a, b) => depth(b.base) - depth(a.base));
  return async (repoURL) => {
    // A URL that is not canonical gets no credentials (checkAppScope refuses its app before any fetch).
    let url: string;
    try {
      url = canonicalRepoUrl(repoURL);
    } catch {
      return undefined;
    }
    const rule = sorted.find((r) => repoUrlIsWithin(url, r.base));
    if (!rule) return undefined;
    const value = await secrets.get(rule.secret);
    if (!value)
      throw new RepoCredentialsError(
        'repo-credentials:missing',
        `repository credentials secret ${rule.secret} (for ${rule.urlPrefix}) is missing or empty`,
      );
    // Known to redaction from now on: git, helm or a server may quote it back in an error.
    registerSecret(value);
    try {
      const parsed = JSON.parse(value) as { username?: string; password?: string };
      if (typeof parsed.password === 'string') {
        registerSecret(parsed.password);
        // Basic auth sends base64(user:password): registering the pair covers that form too.
        registerSecret(`${parsed.username ?? ''}:${parsed.password}`);
        return { username: parsed.username, password: parsed.password };
      }
    } catch {
      /* a plain token */
    }
    registerSecret(value.trim());
    return { password: value.trim() };
  };
}
