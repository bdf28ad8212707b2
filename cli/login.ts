// `gitferry login`: signs in with the installation's OpenID provider and keeps the ID token for
// the CLI. The device flow when the provider offers it (nothing listens on this machine), else a
// loopback redirect (RFC 8252: a one-shot server on 127.0.0.1, authorization code + PKCE). The
// token is written to the user's config dir, readable by the user only.
import { createServer } from 'node:http';
import * as client from 'openid-client';
import { readTokens, tokenFile, writeTokens } from './token-store.js';

export interface LoginOptions {
  server: string;
  /** @default 'auto': the device flow if the provider has one, else the loopback redirect */
  flow?: 'auto' | 'device' | 'loopback';
  /** Shows the user where to go (prints it; a browser could be opened). */
  open: (url: string, userCode?: string) => void | Promise<void>;
  /** Gives up waiting for the browser after this long. @default 300000 */
  timeoutMs?: number;
}

function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

async function loopbackLogin(config: client.Configuration, scope: string, o: LoginOptions) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  let redirectUri = '';
  let finish!: (u: URL) => void;
  let fail!: (e: Error) => void;
  const arrived = new Promise<URL>((resolve, reject) => ((finish = resolve), (fail = reject)));
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', redirectUri);
    if (url.pathname !== '/callback') return void res.writeHead(404).end();
    res
      .writeHead(200, { 'content-type': 'text/plain' })
      .end('Signed in to Gitferry; you may close this tab.\n');
    finish(url);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  redirectUri = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/callback`;
  const timer = setTimeout(
    () => fail(new Error('no answer from the browser in time')),
    o.timeoutMs ?? 300_000,
  );
  try {
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    await o.open(url.toString());
    const back = await arrived;
    return await client.authorizationCodeGrant(
      config,
      back,
      { pkceCodeVerifier: verifier, expectedState: state },
      { redirect_uri: redirectUri },
    );
  } finally {
    clearTimeout(timer);
    server.close();
  }
}

async function deviceLogin(config: client.Configuration, scope: string, o: LoginOptions) {
  const started = await client.initiateDeviceAuthorization(config, { scope });
  await o.open(started.verification_uri_complete ?? started.verification_uri, started.user_code);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), o.timeoutMs ?? 300_000);
  try {
    return await client.pollDeviceAuthorizationGrant(config, started, undefined, { signal: abort.signal });
  } finally {
    clearTimeout(timer);
  }
}

/** Signs in and stores the ID token for `o.server`; returns who signed in and where it went. */
export async function login(o: LoginOptions): Promise<{ subject: string; file: string; flow: string }> {
  const server = o.server.replace(/\/+$/, '');
  const res = await fetch(`${server}/auth/config`);
  if (!res.ok)
    throw new Error(`${server} has no sign-in configured (GET /auth/config answered ${res.status})`);
  const { issuer, clientId, scopes } = (await res.json()) as {
    issuer: string;
    clientId: string;
    scopes: string[];
  };
  const issuerUrl = new URL(issuer);
  const config = await client.discovery(
    issuerUrl,
    clientId,
    undefined,
    client.None(),
    isLoopbackHttp(issuerUrl) ? { execute: [client.allowInsecureRequests] } : undefined,
  );
  const scope = scopes.join(' ');
  const device =
    o.flow === 'device' ||
    ((o.flow ?? 'auto') === 'auto' && !!config.serverMetadata().device_authorization_endpoint);
  const tokens = device ? await deviceLogin(config, scope, o) : await loopbackLogin(config, scope, o);
  if (!tokens.id_token) throw new Error(`${issuer} returned no ID token`);
  const claims = tokens.claims();
  const stored = readTokens();
  stored[server] = { idToken: tokens.id_token, expiresAt: claims?.exp, subject: claims?.sub };
  writeTokens(stored);
  return { subject: claims?.sub ?? '', file: tokenFile(), flow: device ? 'device' : 'loopback' };
}

/**
 * Revokes the token stored for `server` on the server (POST /auth/logout with it) and removes it
 * here; a server that cannot be reached or refuses still loses the local copy.
 */
export async function logout(serverUrl: string): Promise<{ server: string; revoked: boolean }> {
  const server = serverUrl.replace(/\/+$/, '');
  const stored = readTokens();
  const entry = stored[server];
  if (!entry) return { server, revoked: false };
  let revoked = false;
  try {
    const res = await fetch(`${server}/auth/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${entry.idToken}` },
    });
    revoked = res.ok && ((await res.json()) as { revoked?: boolean }).revoked === true;
  } finally {
    delete stored[server];
    writeTokens(stored);
  }
  return { server, revoked };
}
