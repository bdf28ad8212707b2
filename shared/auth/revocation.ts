// Revoked sign-ins. Sessions and bearer JWTs are stateless (signed, expiring), so signing out or an
// admin's revoke-sessions is a record in the state store that the authenticator consults: one per
// revoked session (until that session's own expiry) and one per user whose earlier sessions are
// all refused (until the longest a session or token can live). The store drops them after then.
import { createHash } from 'node:crypto';
import type { StateStore } from '../ports/state-store.js';
import { AuthError } from './authenticate.js';
import type { Identity } from './identity.js';

/** How long a user revocation is kept: no session or ID token Gitferry accepts lives longer. @default 24 h */
export const defaultRevocationSeconds = 86_400;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export const sessionRevocationName = (sessionId: string) => `session:${sessionId}`;
export const subjectRevocationName = (subject: string) => `subject:${sha256(subject)}`;

/** The session id of a bearer token without a `jti`: a hash, so the token itself is never stored. */
export const tokenSessionId = (token: string) => `t${sha256(token).slice(0, 40)}`;

/** Whether a method's credentials can be revoked here (project tokens are revoked by deleting them). */
const revocable = (who: Identity) => who.method === 'session' || who.method === 'oidc-bearer';

export class SessionRevocations {
  constructor(
    private readonly store: StateStore,
    private readonly opts: { maxLifetimeSeconds?: number; now?: () => number } = {},
  ) {}

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** Throws AuthError when `who`'s session was signed out or all of the user's sessions were revoked. */
  async check(who: Identity): Promise<void> {
    if (!revocable(who)) return;
    if (who.sessionId && (await this.store.getRevocation(sessionRevocationName(who.sessionId))))
      throw new AuthError('the session was signed out');
    const user = await this.store.getRevocation(subjectRevocationName(who.subject));
    // A credential without an issue time predates any revocation that exists.
    if (user && (who.issuedAt === undefined || who.issuedAt * 1000 <= user.revokedAt))
      throw new AuthError('the sessions of this user were revoked; sign in again');
  }

  /** Signs `who`'s own session out: refused from now until it would have expired anyway. */
  async signOut(who: Identity): Promise<boolean> {
    if (!revocable(who) || !who.sessionId) return false;
    const now = this.now();
    const expiresAt = who.expiresAt ? who.expiresAt * 1000 : now + this.lifetimeMs();
    if (expiresAt <= now) return false;
    await this.store.putRevocation({
      name: sessionRevocationName(who.sessionId),
      revokedAt: now,
      expiresAt,
      revokedBy: who.subject,
    });
    return true;
  }

  /** Refuses every session and token of `subject` issued until now. */
  async revokeUser(subject: string, by: string): Promise<{ revokedAt: number; until: number }> {
    const now = this.now();
    const until = now + this.lifetimeMs();
    await this.store.putRevocation({
      name: subjectRevocationName(subject),
      revokedAt: now,
      expiresAt: until,
      revokedBy: by,
    });
    return { revokedAt: now, until };
  }

  private lifetimeMs(): number {
    return (this.opts.maxLifetimeSeconds ?? defaultRevocationSeconds) * 1000;
  }
}
