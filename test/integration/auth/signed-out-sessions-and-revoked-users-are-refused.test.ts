// Sign-out revokes on the server: a copy of the session cookie or of the CLI's token kept
// elsewhere is refused afterwards although it has not expired; an admin's revoke-sessions refuses
// every session and token of a user issued before it, and a new sign-in works again.
import { sessionCookie } from '../../../shared/auth/session.js';
import { Browser } from '../../support/browser.js';
import type { OpenIdProvider } from '../../support/openid-provider.js';
import { startSignedInGitferry, type SignedInGitferry } from '../../support/signed-in-gitferry.js';

describe('signed-out sessions and revoked users are refused', () => {
  let gf: SignedInGitferry;
  let op: OpenIdProvider;
  let url: string;
  const now = () => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    gf = await startSignedInGitferry();
    ({ op, url } = gf);
  });
  afterAll(() => gf.stop());

  const withCookie = (value: string, path = '/api/v1/apps') =>
    fetch(`${url}${path}`, { headers: { cookie: `${sessionCookie}=${value}` } });
  const withBearer = (token: string, path = '/api/v1/apps', method = 'GET') =>
    fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
  const detailOf = async (res: Response) => ((await res.json()) as { detail: string }).detail;

  async function signedIn(user: string): Promise<{ browser: Browser; cookie: string }> {
    const browser = new Browser();
    await browser.signIn(`${url}/auth/login`, user, op.issuer);
    return { browser, cookie: browser.cookiesFor(url).get(sessionCookie)! };
  }

  test('a session cookie kept after sign-out is refused; another session of the same user is not', async () => {
    const first = await signedIn('alice');
    const second = await signedIn('alice');
    expect((await withCookie(first.cookie)).status).toBe(200);

    const out = await first.browser.request(`${url}/auth/logout`, { method: 'POST' });
    expect(await out.json()).toEqual({ signedOut: true, revoked: true });

    const replayed = await withCookie(first.cookie);
    expect(replayed.status).toBe(401);
    expect(await detailOf(replayed)).toBe('the session was signed out');
    expect((await withCookie(second.cookie)).status).toBe(200);
    // The refusal is in the audit trail like any other.
    const audit = (await (
      await fetch(`${url}/api/v1/audit?limit=20`, { headers: { authorization: 'Bearer admin-token' } })
    ).json()) as { items: { result: string; method: string }[] };
    expect(audit.items.some((e) => e.result === 'unauthenticated')).toBe(true);
  });

  test("the CLI's token (with or without a jti) is refused after gitferry logout revoked it", async () => {
    for (const jti of [`jti-${Date.now()}`, undefined]) {
      const token = await op.sign({
        sub: 'bob',
        aud: 'gitferry-cli',
        groups: ['ops'],
        iat: now(),
        exp: now() + 600,
        ...(jti ? { jti } : {}),
      });
      expect((await withBearer(token)).status).toBe(200);
      const out = await fetch(`${url}/auth/logout`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(await out.json()).toEqual({ signedOut: true, revoked: true });
      const replayed = await withBearer(token);
      expect(replayed.status).toBe(401);
      expect(await detailOf(replayed)).toBe('the session was signed out');
    }
  });

  test("an admin revokes every session and token of a user; the user's next sign-in works", async () => {
    const session = await signedIn('rita');
    const token = await op.sign({
      sub: 'rita',
      aud: 'gitferry-cli',
      groups: ['viewers'],
      iat: now() - 1,
      exp: now() + 600,
    });
    expect((await withCookie(session.cookie)).status).toBe(200);
    expect((await withBearer(token)).status).toBe(200);

    // Only an admin may: a user with sync rights (alice) and rita herself are refused.
    const byRita = await fetch(`${url}/api/v1/users/rita/sessions`, {
      method: 'DELETE',
      headers: { cookie: `${sessionCookie}=${session.cookie}` },
    });
    expect(byRita.status).toBe(403);
    const aliceToken = await op.sign({
      sub: 'alice',
      aud: 'gitferry-cli',
      groups: ['team-a'],
      iat: now(),
      exp: now() + 600,
    });
    const denied = await withBearer(aliceToken, '/api/v1/users/rita/sessions', 'DELETE');
    expect(denied.status).toBe(403);
    expect((await withCookie(session.cookie)).status).toBe(200);

    const revoked = await withBearer(
      'admin-token',
      `/api/v1/users/${encodeURIComponent('rita')}/sessions`,
      'DELETE',
    );
    expect(revoked.status).toBe(200);
    expect(await revoked.json()).toMatchObject({ subject: 'rita' });

    for (const res of [await withCookie(session.cookie), await withBearer(token)]) {
      expect(res.status).toBe(401);
      expect(await detailOf(res)).toBe('the sessions of this user were revoked; sign in again');
    }
    // Another user is untouched.
    expect((await withBearer(aliceToken)).status).toBe(200);
    // A sign-in after the revocation (a later second) is accepted.
    await new Promise((r) => setTimeout(r, 1_100));
    const again = await signedIn('rita');
    expect((await withCookie(again.cookie)).status).toBe(200);
  });
});
