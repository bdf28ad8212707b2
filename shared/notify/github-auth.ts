// How the GitHub services authenticate: a token from the secret store, or a GitHub App. For an
// App, @octokit/auth-app signs the app JWT (RS256 with the app's private key) and exchanges it for
// an installation token; its requests go through the guarded client (sendServiceRequest), never
// octokit's own fetch, so the URL guard and the no-redirect rule hold for them too. The
// installation is configured, or looked up per repository (GET /repos/{owner}/{repo}/installation);
// installation tokens are kept until `refreshBeforeMs` before the expiry GitHub gave them.
import type { createAppAuth } from '@octokit/auth-app';
import { registerSecret } from '../domain/redact.js';
import type { SecretStore } from '../ports/secret-store.js';
import { DeliveryError, sendServiceRequest, type ServiceHttpOptions } from './http.js';

export interface GithubAuth {
  /** The bearer token for requests on owner/repo. */
  tokenFor(owner: string, repo: string): Promise<string>;
}

export const githubHeaders = {
  accept: 'application/vnd.github+json',
  'x-github-api-version': '2022-11-28',
  'user-agent': 'gitferry',
};

export async function readSecret(secrets: SecretStore, name: string, what: string): Promise<string> {
  const v = await secrets.get(name);
  if (v === undefined || v.trim() === '')
    throw new DeliveryError(`${what}: secret ${name} is not set`, false);
  registerSecret(v.trim());
  return v.trim();
}

/** A personal access token or a fine-grained token, read from the secret store on each use. */
export function githubTokenAuth(secrets: SecretStore, tokenSecret: string): GithubAuth {
  return { tokenFor: () => readSecret(secrets, tokenSecret, 'GitHub') };
}

export interface GithubAppConfig {
  apiURL: string;
  appID: number;
  /** Name of the secret holding the App's private key (PEM, PKCS#1 or PKCS#8). */
  privateKeySecret: string;
  /** The installation; looked up per repository owner when unset. */
  installationID?: number;
}

export interface GithubAppAuthOptions {
  http: ServiceHttpOptions;
  now: () => number;
  /** An installation token is replaced this long before GitHub's expires_at. */
  refreshBeforeMs: number;
  /** Installations and tokens kept (one per repository owner, as a rule). */
  maxCached: number;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

type AppAuth = ReturnType<typeof createAppAuth>;

export class GithubAppAuth implements GithubAuth {
  private auth?: AppAuth;
  private readonly installations = new Map<string, number>();
  private readonly tokens = new Map<number, CachedToken>();

  constructor(
    private readonly cfg: GithubAppConfig,
    private readonly secrets: SecretStore,
    private readonly o: GithubAppAuthOptions,
  ) {}

  async tokenFor(owner: string, repo: string): Promise<string> {
    const auth = await this.appAuth();
    const installationId = this.cfg.installationID ?? (await this.installationOf(auth, owner, repo));
    const cached = this.tokens.get(installationId);
    if (cached && this.o.now() < cached.expiresAt - this.o.refreshBeforeMs) return cached.token;
    // refresh: octokit's own cache keeps a token 59 minutes whatever GitHub said; ours follows expires_at.
    const got = (await auth({ type: 'installation', installationId, refresh: true })) as {
      token: string;
      expiresAt: string;
    };
    registerSecret(got.token);
    const expiresAt = Date.parse(got.expiresAt);
    remember(this.tokens, installationId, { token: got.token, expiresAt }, this.o.maxCached);
    return got.token;
  }

  private async appAuth(): Promise<AppAuth> {
    if (this.auth) return this.auth;
    const privateKey = await readSecret(this.secrets, this.cfg.privateKeySecret, 'GitHub App');
    if (!/-----BEGIN (RSA )?PRIVATE KEY-----/.test(privateKey))
      throw new DeliveryError(
        `GitHub App: secret ${this.cfg.privateKeySecret} does not hold a PEM private key`,
        false,
      );
    // octokit's App auth (about 35 KB with its dependencies) is loaded by the first App token.
    const { createAppAuth } = await import('@octokit/auth-app');
    this.auth = createAppAuth({
      appId: this.cfg.appID,
      privateKey,
      request: this.request() as never,
      log: { warn: () => {} },
    });
    return this.auth;
  }

  /** The installation of the App on owner/repo (GitHub answers 404 when the App is not installed there). */
  private async installationOf(auth: AppAuth, owner: string, repo: string): Promise<number> {
    const key = `${owner}/${repo}`.toLowerCase();
    const known = this.installations.get(key);
    if (known !== undefined) return known;
    const { token } = await auth({ type: 'app' });
    const res = await sendServiceRequest(this.o.http, {
      method: 'GET',
      url: `${this.cfg.apiURL}/repos/${owner}/${repo}/installation`,
      headers: { ...githubHeaders, authorization: `Bearer ${token}` },
      what: 'GitHub App installation lookup',
    });
    const id = (res.json as { id?: unknown } | undefined)?.id;
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0)
      throw new DeliveryError(
        `GitHub App installation lookup for ${owner}/${repo}: no installation id`,
        false,
      );
    remember(this.installations, key, id, this.o.maxCached);
    return id;
  }

  /**
   * The `request` auth-app calls: `POST /app/installations/{installation_id}/access_tokens` with
   * the app JWT in its headers. Path parameters are filled in, the rest (repositories,
   * permissions) is the JSON body, octokit's media-type previews are dropped.
   */
  private request() {
    return async (route: string, params: Record<string, unknown> = {}) => {
      const [method, path] = route.split(' ') as [string, string];
      if (method !== 'POST' && method !== 'GET')
        throw new DeliveryError(`GitHub App: ${route} not supported`, false);
      const rest: Record<string, unknown> = { ...params };
      const headers = (rest.headers ?? {}) as Record<string, string>;
      delete rest.headers;
      delete rest.mediaType;
      const filled = path.replace(/\{(\w+)\}/g, (_, k: string) => {
        const v = rest[k];
        delete rest[k];
        return encodeURIComponent(String(v));
      });
      const res = await sendServiceRequest(this.o.http, {
        method,
        url: `${this.cfg.apiURL}${filled}`,
        headers: { ...githubHeaders, authorization: headers.authorization ?? '' },
        body: method === 'POST' ? JSON.stringify(rest) : undefined,
        what: 'GitHub App installation token',
      });
      const data = res.json as { token?: unknown; expires_at?: unknown } | undefined;
      if (typeof data?.token !== 'string' || typeof data.expires_at !== 'string')
        throw new DeliveryError(
          'GitHub App installation token: the answer holds no token and expires_at',
          true,
        );
      return { status: res.status, url: `${this.cfg.apiURL}${filled}`, headers: {}, data };
    };
  }
}

function remember<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > max) map.delete(map.keys().next().value as K);
}
