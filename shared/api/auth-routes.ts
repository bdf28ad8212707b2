// Browser sign-in: /auth/login sends the browser to the OpenID provider (authorization code with
// PKCE, state and nonce), /auth/callback exchanges the code and sets the session cookie,
// /auth/logout clears it. /auth/config tells `gitferry login` which provider and client to use;
// /auth/me says who the caller is. Every URL is built from the configured public URL, never from
// the request's Host or X-Forwarded-* headers.
import { Hono, type Context } from 'hono';
import { AuthError, type Authenticator } from '../auth/authenticate.js';
import type { OidcSignIn, PendingLogin } from '../auth/oidc.js';
import type { SessionRevocations } from '../auth/revocation.js';
import { cookieValue, loginCookie, sessionCookie, type SessionCodec } from '../auth/session.js';
import { problem } from './problems.js';

export interface SignInDeps {
  oidc: OidcSignIn;
  sessions: SessionCodec;
  /**
   * Gitferry's URL as browsers reach it; the redirect URI is `<publicUrl>/auth/callback`. A
   * function answers it per request from what the platform says (AWS: the Function URL's domain).
   */
  publicUrl: string | ((c: Context) => string);
  authenticator: Authenticator;
  /** Sign-out revokes the session or token server-side (absent: the cookie is only cleared). */
  revocations?: SessionRevocations;
}

/** Ten minutes to get through the provider's sign-in page. */
const loginSeconds = 600;

export function authRoutes(d: SignInDeps): Hono {
  const auth = new Hono();
  const redirectUriOf = (c: Context) =>
    new URL('/auth/callback', typeof d.publicUrl === 'string' ? d.publicUrl : d.publicUrl(c)).toString();

  auth.get('/config', (c) =>
    c.json({
      issuer: d.oidc.config.serverMetadata().issuer,
      clientId: d.oidc.settings.cliClientId ?? d.oidc.settings.clientId,
      scopes: d.oidc.settings.scopes,
    }),
  );

  auth.get('/login', async (c) => {
    const { url, pending } = await d.oidc.startLogin(redirectUriOf(c));
    const exp = Math.floor(Date.now() / 1000) + loginSeconds;
    c.header(
      'set-cookie',
      d.sessions.cookie(loginCookie, d.sessions.seal('login', pending, exp), loginSeconds, '/auth'),
    );
    return c.redirect(url.toString(), 302);
  });

  auth.get('/callback', async (c) => {
    const redirectUri = redirectUriOf(c);
    const sealed = cookieValue(c.req.header('cookie') ?? '', loginCookie);
    const pending = sealed ? d.sessions.open<PendingLogin>('login', sealed) : undefined;
    if (!pending)
      return problem(
        c,
        400,
        'Bad Request',
        'no sign-in is in progress in this browser (start at /auth/login)',
      );
    const current = new URL(redirectUri);
    current.search = new URL(c.req.url).search;
    try {
      const who = await d.oidc.finishLogin(current, redirectUri, pending);
      c.header('set-cookie', d.sessions.sessionFor(who), { append: true });
    } catch (err) {
      if (err instanceof AuthError) return problem(c, 401, 'Unauthorized', err.message);
      throw err;
    } finally {
      c.header('set-cookie', d.sessions.cookie(loginCookie, '', 0, '/auth'), { append: true });
    }
    return c.redirect('/', 302);
  });

  // The session (cookie) or token (CLI bearer) presented is revoked until its own expiry, so a
  // copy kept elsewhere is refused too; the cookie is cleared either way.
  const logout = async (c: Context) => {
    c.header('set-cookie', d.sessions.cookie(sessionCookie, '', 0));
    let revoked = false;
    try {
      const who = await d.authenticator.identify(c.req.raw.headers);
      if (who && d.revocations) revoked = await d.revocations.signOut(who);
    } catch (err) {
      // Already refused (expired, revoked, forged): nothing left to revoke.
      if (!(err instanceof AuthError)) throw err;
    }
    return c.json({ signedOut: true, revoked });
  };
  auth.get('/logout', logout);
  auth.post('/logout', logout);

  auth.get('/me', async (c) => {
    try {
      const who = await d.authenticator.identify(c.req.raw.headers);
      if (!who) return problem(c, 401, 'Unauthorized', 'not signed in');
      return c.json({
        subject: who.subject,
        groups: who.groups,
        method: who.method,
        expiresAt: who.expiresAt,
      });
    } catch (err) {
      if (err instanceof AuthError) return problem(c, 401, 'Unauthorized', err.message);
      throw err;
    }
  });
  return auth;
}
