// Sign-in with any OpenID Connect provider. The provider's metadata, the authorization code flow
// with PKCE and the token exchange go through openid-client; bearer JWTs (the CLI's and
// automation's ID tokens) are verified by jose against the provider's JWKS, with asymmetric
// algorithms only (no `none`, no HMAC keyed with a public key), the configured issuer and
// audience, and their expiry.
import * as client from 'openid-client';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { AuthError, type BearerCheck } from './authenticate.js';
import { groupsFromClaim, isReservedName, type Identity } from './identity.js';
import { tokenSessionId } from './revocation.js';

export interface OidcSettings {
  /** The provider's issuer URL (its discovery document is at `<issuer>/.well-known/openid-configuration`). */
  issuer: string;
  /** The client Gitferry's browser sign-in uses; ID tokens for it are accepted as bearer tokens. */
  clientId: string;
  /** The client's secret (confidential client); absent for a public client (PKCE only). */
  clientSecret?: string;
  /** A public client for `gitferry login` (device flow or loopback redirect), if not the same. */
  cliClientId?: string;
  /** The claim holding the user's groups. @default 'groups' */
  groupsClaim?: string;
  /** Scopes asked for at sign-in. @default ['openid', 'profile', 'email', 'groups'] */
  scopes?: string[];
  /** More audiences accepted on bearer JWTs (access tokens issued for Gitferry's API). */
  audiences?: string[];
}

export const defaultOidcSettings = {
  groupsClaim: 'groups',
  scopes: ['openid', 'profile', 'email', 'groups'],
};

/** Asymmetric JWS algorithms: `none` and HS* are never accepted. */
const algorithms = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** An http issuer is accepted on loopback only (tests, a provider on this machine). */
function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

/** What a login in progress must remember between /auth/login and /auth/callback. */
export interface PendingLogin {
  verifier: string;
  state: string;
  nonce: string;
}

function reasonOf(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'it has expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `its ${err.claim} claim is not accepted`;
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'its algorithm is not accepted';
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'its signature does not verify';
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'no key of the issuer signed it';
  if (err instanceof joseErrors.JWTInvalid || err instanceof joseErrors.JWSInvalid)
    return 'it is not a valid JWT';
  return 'it cannot be verified';
}

export class OidcSignIn {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;
  readonly settings: Required<Pick<OidcSettings, 'groupsClaim' | 'scopes'>> & OidcSettings;

  private constructor(
    readonly config: client.Configuration,
    settings: OidcSettings,
  ) {
    this.settings = { ...defaultOidcSettings, ...settings };
    const jwksUri = config.serverMetadata().jwks_uri;
    if (!jwksUri) throw new AuthError(`OIDC issuer ${settings.issuer} publishes no jwks_uri`);
    this.jwks = createRemoteJWKSet(new URL(jwksUri));
  }

  /** Reads the provider's discovery document (openid-client). */
  static async discover(settings: OidcSettings): Promise<OidcSignIn> {
    const issuer = new URL(settings.issuer);
    const config = await client.discovery(
      issuer,
      settings.clientId,
      settings.clientSecret ? { client_secret: settings.clientSecret } : undefined,
      settings.clientSecret ? client.ClientSecretBasic(settings.clientSecret) : client.None(),
      isLoopbackHttp(issuer) ? { execute: [client.allowInsecureRequests] } : undefined,
    );
    return new OidcSignIn(config, settings);
  }

  /** The identity in a verified token's claims; a reserved subject (`role:…`) is refused. */
  identityOf(claims: JWTPayload, method: Identity['method']): Identity {
    const subject = typeof claims.sub === 'string' ? claims.sub : '';
    if (!subject || isReservedName(subject) || /[\u0000-\u001f\u007f,"]/.test(subject))
      throw new AuthError('the token’s subject is not accepted');
    return {
      subject,
      groups: groupsFromClaim(claims[this.settings.groupsClaim]),
      method,
      tokenId: typeof claims.jti === 'string' ? claims.jti.slice(0, 128) : undefined,
      expiresAt: claims.exp,
      issuedAt: typeof claims.iat === 'number' ? claims.iat : undefined,
    };
  }

  /** Bearer JWTs from this issuer for Gitferry's client(s) or audiences. */
  bearerCheck(): BearerCheck {
    const audience = [
      this.settings.clientId,
      ...(this.settings.cliClientId ? [this.settings.cliClientId] : []),
      ...(this.settings.audiences ?? []),
    ];
    return {
      identify: async (token) => {
        // Not a JWT: another check's kind of token (a project token).
        if (token.split('.').length !== 3) return undefined;
        try {
          const { payload } = await jwtVerify(token, this.jwks, {
            issuer: this.config.serverMetadata().issuer,
            audience,
            algorithms,
            requiredClaims: ['sub', 'exp'],
          });
          const who = this.identityOf(payload, 'oidc-bearer');
          return { ...who, sessionId: who.tokenId ?? tokenSessionId(token) };
        } catch (err) {
          if (err instanceof AuthError) throw err;
          throw new AuthError(`the bearer token is refused: ${reasonOf(err)}`);
        }
      },
    };
  }

  /** Where to send the browser, and what to remember until it comes back. */
  async startLogin(redirectUri: string): Promise<{ url: URL; pending: PendingLogin }> {
    const verifier = client.randomPKCECodeVerifier();
    const pending = { verifier, state: client.randomState(), nonce: client.randomNonce() };
    const url = client.buildAuthorizationUrl(this.config, {
      redirect_uri: redirectUri,
      scope: this.settings.scopes.join(' '),
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    return { url, pending };
  }

  /** Exchanges the code the browser brought back (state, nonce and PKCE checked) for an identity. */
  async finishLogin(currentUrl: URL, redirectUri: string, pending: PendingLogin): Promise<Identity> {
    let tokens;
    try {
      tokens = await client.authorizationCodeGrant(
        this.config,
        currentUrl,
        {
          pkceCodeVerifier: pending.verifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        },
        { redirect_uri: redirectUri },
      );
    } catch (err) {
      throw new AuthError(`sign-in failed: ${(err as Error).message}`);
    }
    const claims = tokens.claims();
    if (!claims) throw new AuthError('sign-in failed: the provider returned no ID token');
    return this.identityOf(claims as JWTPayload, 'session');
  }
}
