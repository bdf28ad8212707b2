// Turning a request's credentials into an Identity. One seam for every way in: the local admin
// token, IAM (the platform authenticated the caller), a project token, an OIDC bearer JWT, a
// browser session cookie. Headers such as X-Forwarded-User or X-Forwarded-For are never read.
import { createHash, timingSafeEqual } from 'node:crypto';
import { GitferryError } from '../domain/errors.js';
import { adminIdentity, iamIdentity, type Identity } from './identity.js';

/** A credential that was presented and is not accepted; the message says why, never the credential. */
export class AuthError extends GitferryError {
  override name = 'AuthError';
  constructor(message: string) {
    super('auth:unauthenticated', message);
  }
}

/** A bearer token one check understands: undefined when the token is not of its kind. */
export interface BearerCheck {
  identify(token: string): Promise<Identity | undefined>;
}

/** A session cookie check (the browser sign-in). */
export interface SessionCheck {
  identify(cookieHeader: string): Promise<Identity | undefined>;
}

export interface AuthenticatorOptions {
  /** The local admin token (`gitferry serve` writes it): an admin identity, as before RBAC. */
  adminToken?: string;
  /** The platform authenticated every caller (IAM on a Lambda function URL): admin, as before. */
  platformAuthenticated?: boolean;
  /**
   * The role of callers the platform verified (SigV4 on AWS), named by the runtime from the
   * Lambda event (never from a header), when other callers sign in with OIDC.
   */
  iamRole?: string;
  /** Checks tried in order for `Authorization: Bearer …` (project tokens, OIDC JWTs). */
  bearer?: BearerCheck[];
  session?: SessionCheck;
  /** Refuses signed-out sessions and tokens (revocation.ts); absent: nothing is revoked. */
  revocations?: { check(who: Identity): Promise<void> };
}

function sameSecret(given: string, expected: string): boolean {
  const h = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(h(given), h(expected));
}

export class Authenticator {
  constructor(private readonly opts: AuthenticatorOptions) {}

  /** Whether anything is required at all (false only when the platform authenticates). */
  get required(): boolean {
    return !this.opts.platformAuthenticated;
  }

  /**
   * The caller, or undefined when no credential was presented; throws AuthError for a credential
   * that was presented and is refused (expired, forged, for another audience, revoked).
   * `iamCaller` is the ARN the platform verified (the Lambda event's IAM authorizer), if any.
   */
  async identify(headers: Headers, iamCaller?: string): Promise<Identity | undefined> {
    const who =
      iamCaller && this.opts.iamRole
        ? iamIdentity(iamCaller, this.opts.iamRole)
        : await this.credentialOf(headers);
    if (who && this.opts.revocations) await this.opts.revocations.check(who);
    return who;
  }

  private async credentialOf(headers: Headers): Promise<Identity | undefined> {
    const auth = headers.get('authorization') ?? '';
    // IAM-signed requests carry their own Authorization header, already checked by the platform.
    if (this.opts.platformAuthenticated && auth.startsWith('AWS4-')) return adminIdentity('iam', 'iam');
    if (auth !== '') {
      const token = /^Bearer +(\S+)$/i.exec(auth)?.[1];
      if (!token) throw new AuthError('the Authorization header is not "Bearer <token>"');
      if (this.opts.adminToken && sameSecret(token, this.opts.adminToken))
        return adminIdentity('admin-token');
      for (const check of this.opts.bearer ?? []) {
        const who = await check.identify(token);
        if (who) return who;
      }
      throw new AuthError('the bearer token is not valid');
    }
    const cookie = headers.get('cookie');
    if (cookie && this.opts.session) {
      const who = await this.opts.session.identify(cookie);
      if (who) return who;
    }
    if (this.opts.platformAuthenticated) return adminIdentity('iam', 'iam');
    return undefined;
  }
}
