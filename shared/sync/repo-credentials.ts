import { registerSecret } from '../domain/redact.js';
import type { GitCredentials } from '../source/git-http.js';
import type { SecretStore } from '../ports/secret-store.js';

/** Which secret holds the credentials for repos under a URL prefix (longest prefix wins). */
export interface RepoCredentialRule {
  urlPrefix: string;
  /** Secret value: a token, or JSON `{"username": "...", "password": "..."}`. */
  secret: string;
}

/** Resolves git credentials for a repo URL from the secret store; undefined for public repos. */
export function repoCredentialsResolver(
  rules: RepoCredentialRule[],
  secrets: SecretStore,
): (repoURL: string) => Promise<GitCredentials | undefined> {
  const sorted = [...rules].sort((a, b) => b.urlPrefix.length - a.urlPrefix.length);
  return async (repoURL) => {
    const rule = sorted.find((r) => repoURL.startsWith(r.urlPrefix));
    if (!rule) return undefined;
    const value = await secrets.get(rule.secret);
    if (!value)
      throw new Error(
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
