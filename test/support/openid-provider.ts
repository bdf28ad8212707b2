// A real OpenID provider (panva's certified oidc-provider) on loopback, with users in groups,
// Gitferry's confidential client (browser sign-in) and a public client for `gitferry login`.
// Its devInteractions pages take any login name; the tests drive them with a cookie jar.
import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import Provider from 'oidc-provider';

export interface OpenIdProvider {
  issuer: string;
  /** A token signed with the provider's own key (expiry, audience and claims as the test says). */
  sign(claims: JWTPayload, header?: { alg?: string; kid?: string }): Promise<string>;
  stop(): Promise<void>;
}

export const groupsOf: Record<string, string[]> = {
  alice: ['team-a'],
  bob: ['ops'],
  rita: ['viewers'],
  // A group named like a built-in role must not make anyone an admin.
  mallory: ['role:admin', 'proj:team-a:deployer'],
};

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const a = server.address();
  return typeof a === 'object' && a ? a.port : 0;
}

export async function startOpenIdProvider(opts: {
  /** Gitferry's browser callback. */
  redirectUri: string;
  deviceFlow?: boolean;
}): Promise<OpenIdProvider> {
  let handler: (req: never, res: never) => void = () => {};
  const server = createServer((req, res) => handler(req as never, res as never));
  const port = await listen(server);
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'gitferry',
        client_secret: 'gitferry-secret-for-tests-only',
        redirect_uris: [opts.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
      {
        client_id: 'gitferry-cli',
        token_endpoint_auth_method: 'none',
        application_type: 'native',
        redirect_uris: ['http://127.0.0.1/callback'],
        grant_types: [
          'authorization_code',
          ...(opts.deviceFlow ? ['urn:ietf:params:oauth:grant-type:device_code'] : []),
        ],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [jwk] },
    findAccount: (_ctx: unknown, id: string) => ({
      accountId: id,
      claims: () => ({ sub: id, groups: groupsOf[id] ?? [] }),
    }),
    claims: { openid: ['sub'], groups: ['groups'], profile: [], email: [] },
    // Groups in the ID token itself (what Gitferry reads), not only from userinfo.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: true }, deviceFlow: { enabled: opts.deviceFlow ?? false } },
    cookies: { keys: ['cookie-key-for-tests-only'] },
    ttl: {
      IdToken: 600,
      AccessToken: 600,
      AuthorizationCode: 60,
      DeviceCode: 300,
      Interaction: 300,
      Session: 600,
      Grant: 600,
    },
  });
  handler = provider.callback() as never;
  return {
    issuer,
    sign: (claims, header = {}) =>
      new SignJWT({ iss: issuer, ...claims })
        .setProtectedHeader({ alg: header.alg ?? 'RS256', kid: header.kid ?? 'test-key' })
        .sign(privateKey),
    stop: () => new Promise<void>((r) => server.close(() => r())).then(() => server.closeAllConnections()),
  };
}
