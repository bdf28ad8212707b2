// Browser sessions as signed, expiring cookies: the identity (subject, groups, expiry) in the
// cookie's value, an HMAC-SHA256 over it with the installation's session key. HttpOnly (no script
// reads it), SameSite=Lax (no cross-site POST carries it), Secure except for http on loopback.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SessionCheck } from './authenticate.js';
import type { Identity } from './identity.js';

export const sessionCookie = 'gitferry_session';
export const loginCookie = 'gitferry_login';

export interface SessionOptions {
  /** At least 32 bytes, kept secret (local: a file in the data dir; AWS: Secrets Manager). */
  key: Buffer;
  /** Seconds a session lasts (never past the ID token's own expiry). @default 43200 (12 h) */
  maxAgeSeconds?: number;
  /** Whether cookies carry `Secure` (false only when Gitferry is served over http on loopback). */
  secure: boolean;
  now?: () => number;
}

export class SessionCodec implements SessionCheck {
  private readonly maxAge: number;
  private readonly now: () => number;
  constructor(private readonly opts: SessionOptions) {
    if (opts.key.length < 32) throw new Error('session key must be at least 32 bytes');
    this.maxAge = opts.maxAgeSeconds ?? 43_200;
    this.now = opts.now ?? Date.now;
  }

  private mac(purpose: string, payload: string): string {
    return createHmac('sha256', this.opts.key).update(`${purpose}\u0000${payload}`).digest('base64url');
  }

  /** A signed value for `purpose` (a session, a login in progress) that expires at `exp`. */
  seal(purpose: string, data: object, exp: number): string {
    const payload = Buffer.from(JSON.stringify({ ...data, exp })).toString('base64url');
    return `${payload}.${this.mac(purpose, payload)}`;
  }

  /** The data of a sealed value, or undefined when its signature or expiry is wrong. */
  open<T>(purpose: string, value: string): T | undefined {
    const [payload, mac, extra] = value.split('.');
    if (!payload || !mac || extra !== undefined) return undefined;
    const want = Buffer.from(this.mac(purpose, payload));
    const got = Buffer.from(mac);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return undefined;
    try {
      const data = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as T & { exp?: unknown };
      if (typeof data.exp !== 'number' || data.exp * 1000 <= this.now()) return undefined;
      return data;
    } catch {
      return undefined;
    }
  }

  /** The Set-Cookie header value for `name`. */
  cookie(name: string, value: string, maxAgeSeconds: number, path = '/'): string {
    return [
      `${name}=${value}`,
      `Path=${path}`,
      `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`,
      'HttpOnly',
      'SameSite=Lax',
      ...(this.opts.secure ? ['Secure'] : []),
    ].join('; ');
  }

  /** A session cookie for `who`, ending at the earlier of maxAge and the credential's expiry. */
  sessionFor(who: Identity): string {
    const nowS = Math.floor(this.now() / 1000);
    const exp = Math.min(nowS + this.maxAge, who.expiresAt ?? Infinity);
    // Its own id (what sign-out revokes) and issue time (what a user's revocation compares).
    const value = this.seal(
      'session',
      {
        sub: who.subject,
        groups: who.groups,
        jti: who.tokenId,
        sid: randomBytes(16).toString('hex'),
        iat: nowS,
      },
      exp,
    );
    return this.cookie(sessionCookie, value, exp - nowS);
  }

  async identify(cookieHeader: string): Promise<Identity | undefined> {
    const value = cookieValue(cookieHeader, sessionCookie);
    if (!value) return undefined;
    const data = this.open<{
      sub: string;
      groups: string[];
      jti?: string;
      sid?: string;
      iat?: number;
      exp: number;
    }>('session', value);
    if (!data || typeof data.sub !== 'string' || !Array.isArray(data.groups)) return undefined;
    return {
      subject: data.sub,
      groups: data.groups,
      method: 'session',
      tokenId: data.jti,
      expiresAt: data.exp,
      issuedAt: typeof data.iat === 'number' ? data.iat : undefined,
      sessionId: typeof data.sid === 'string' ? data.sid : undefined,
    };
  }
}

/** One cookie's value from a Cookie header. */
export function cookieValue(header: string, name: string): string | undefined {
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}
