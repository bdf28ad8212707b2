import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { sessionCookie } from '../../../shared/auth/session.js';
import { Browser } from '../../support/browser.js';
import type { OpenIdProvider } from '../../support/openid-provider.js';
import { startSignedInGitferry, type SignedInGitferry } from '../../support/signed-in-gitferry.js';

describe('sign-in with a real OpenID provider reaches RBAC', () => {
  let gf: SignedInGitferry;
  let op: OpenIdProvider;
  let url: string;
  const now = () => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    gf = await startSignedInGitferry();
    ({ op, url } = gf);
  });
  afterAll(() => gf.stop());

  async function signedIn(user: string): Promise<Browser> {
    const browser = new Browser();
    const end = await browser.signIn(`${url}/auth/login`, user, op.issuer);
    expect(end.url).toBe(`${url}/`);
    return browser;
  }

  test('a browser signs in with code + PKCE and gets an HttpOnly, SameSite=Lax, expiring session', async () => {
    const browser = await signedIn('alice');
    const login = browser.setCookies.find((c) => c.startsWith('gitferry_login='))!;
    expect(login).toMatch(/HttpOnly/);
    const session = browser.setCookies.find((c) => c.startsWith(`${sessionCookie}=`))!;
    expect(session).toMatch(/; HttpOnly/);
    expect(session).toMatch(/; SameSite=Lax/);
    expect(session).toMatch(/; Max-Age=\d+/);
    expect(session).not.toMatch(/Secure/); // http on loopback only
    // The authorization request carried a PKCE S256 challenge.
    const start = await new Browser().request(`${url}/auth/login`);
    const authorize = new URL(start.headers.get('location')!);
    expect(authorize.origin).toBe(op.issuer);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(authorize.searchParams.get('state')).toBeTruthy();
    expect(authorize.searchParams.get('nonce')).toBeTruthy();

    const me = await browser.request(`${url}/auth/me`);
    expect(await me.json()).toMatchObject({ subject: 'alice', groups: ['team-a'], method: 'session' });
    expect((await browser.request(`${url}/api/v1/apps/web/sync`, { method: 'POST' })).status).toBe(202);
    const denied = await browser.request(`${url}/api/v1/apps/pay/sync`, { method: 'POST' });
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { detail: string }).detail).toBe(
      'permission denied: applications, sync, team-b/pay (alice)',
    );
  });

  test('a session cookie with its groups rewritten (signature kept) is refused', async () => {
    const browser = await signedIn('alice');
    const jar = browser.cookiesFor(url);
    const [payload, mac] = jar.get(sessionCookie)!.split('.');
    const data = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...data, groups: ['ops'] })).toString('base64url');
    jar.set(sessionCookie, `${forged}.${mac}`);
    expect((await browser.request(`${url}/api/v1/apps/pay/sync`, { method: 'POST' })).status).toBe(401);
    jar.set(sessionCookie, 'eyJzdWIiOiJib2IifQ');
    expect((await browser.request(`${url}/api/v1/apps`)).status).toBe(401);
  });

  test('signing out clears the session', async () => {
    const browser = await signedIn('bob');
    expect((await browser.request(`${url}/api/v1/apps/pay/sync`, { method: 'POST' })).status).toBe(202);
    await browser.request(`${url}/auth/logout`, { method: 'POST' });
    expect((await browser.request(`${url}/api/v1/apps`)).status).toBe(401);
  });

  test('a callback without the login cookie (or with a forged state) signs nobody in', async () => {
    const res = await new Browser().request(`${url}/auth/callback?code=abc&state=xyz`);
    expect(res.status).toBe(400);
    expect(res.headers.getSetCookie().some((c) => c.startsWith(`${sessionCookie}=`))).toBe(false);
    // A login started in this browser, answered with another state: refused by openid-client.
    const browser = new Browser();
    await browser.request(`${url}/auth/login`);
    const bad = await browser.request(
      `${url}/auth/callback?code=abc&state=not-the-one&iss=${encodeURIComponent(op.issuer)}`,
    );
    expect(bad.status).toBe(401);
  });

  test('an IdP group named role:admin or proj:… grants nothing', async () => {
    const browser = await signedIn('mallory');
    expect(await (await browser.request(`${url}/auth/me`)).json()).toMatchObject({
      subject: 'mallory',
      groups: [],
    });
    expect((await browser.request(`${url}/api/v1/clusters/prod`, { method: 'DELETE' })).status).toBe(403);
  });

  describe('bearer JWTs', () => {
    const call = (token: string, path = '/api/v1/apps/web/sync', method = 'POST') =>
      fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
    const claims = (over: Record<string, unknown> = {}) => ({
      sub: 'alice',
      aud: 'gitferry-cli',
      groups: ['team-a'],
      iat: now(),
      exp: now() + 300,
      ...over,
    });

    test('a token of the issuer with groups reaches RBAC decisions', async () => {
      expect((await call(await op.sign(claims()))).status).toBe(202);
      const denied = await call(await op.sign(claims()), '/api/v1/apps/pay/sync');
      expect(denied.status).toBe(403);
      expect(
        (await call(await op.sign(claims({ sub: 'bob', groups: ['ops'] })), '/api/v1/apps/pay/sync')).status,
      ).toBe(202);
    });

    test.each([
      ['expired', { exp: now() - 120, iat: now() - 900 }, 'it has expired'],
      ['for another audience', { aud: 'another-app' }, 'its aud claim is not accepted'],
      ['from another issuer', { iss: 'https://evil.example.com' }, 'its iss claim is not accepted'],
      ['with a reserved subject', { sub: 'role:admin' }, 'subject is not accepted'],
    ])('a token %s is refused with 401 saying why', async (_n, over, why) => {
      const res = await call(await op.sign(claims(over)));
      expect(res.status).toBe(401);
      expect(((await res.json()) as { detail: string }).detail).toContain(why);
    });

    test('a token signed by another key under the issuer’s key id is refused', async () => {
      const { privateKey } = await generateKeyPair('RS256');
      const forged = await new SignJWT({ iss: op.issuer, ...claims() })
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
        .sign(privateKey);
      const res = await call(forged);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { detail: string }).detail).toContain('signature does not verify');
    });

    test('alg:none and HS256 keyed with the public key are refused', async () => {
      const none = new UnsecuredJWT({ iss: op.issuer, ...claims() }).encode();
      expect((await call(none)).status).toBe(401);
      const { publicKey } = await generateKeyPair('RS256', { extractable: true });
      const secret = new TextEncoder().encode(JSON.stringify(await exportJWK(publicKey)));
      const hs = await new SignJWT({ iss: op.issuer, ...claims() })
        .setProtectedHeader({ alg: 'HS256', kid: 'test-key' })
        .sign(secret);
      const res = await call(hs);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { detail: string }).detail).toContain('algorithm is not accepted');
    });
  });

  test('X-Forwarded-* headers grant nothing and do not change the audited source', async () => {
    const browser = await signedIn('alice');
    const res = await browser.request(`${url}/api/v1/apps/pay/sync`, {
      method: 'POST',
      headers: {
        'x-forwarded-for': '10.9.8.7',
        'x-forwarded-user': 'carol',
        'x-forwarded-groups': 'ops',
        'x-forwarded-host': 'evil.example.com',
        'x-forwarded-proto': 'https',
      },
    });
    expect(res.status).toBe(403);
    const [last] = await gf.store.listAudit({ app: 'pay', limit: 1 });
    expect(last).toMatchObject({ subject: 'alice', result: 'denied', source: '127.0.0.1' });
    // The sign-in redirect is built from the configured public URL, not from forwarded headers.
    const login = await new Browser().request(`${url}/auth/login`, {
      headers: { 'x-forwarded-host': 'evil.example.com', host: 'evil.example.com' },
    });
    const redirect = new URL(login.headers.get('location')!).searchParams.get('redirect_uri');
    expect(redirect).toBe(`${url}/auth/callback`);
  });

  test('the audit trail shows each signed-in attempt, allowed or not, with the groups from the token', async () => {
    const items = (await gf.store.listAudit({ app: 'pay', limit: 1000 })).filter(
      (e) => e.subject === 'alice',
    );
    expect(items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ method: 'session', groups: ['team-a'], result: 'denied', status: 403 }),
        expect.objectContaining({ method: 'oidc-bearer', groups: ['team-a'], result: 'denied', status: 403 }),
      ]),
    );
    const web = await gf.store.listAudit({ app: 'web', limit: 1000 });
    expect(web).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          subject: 'alice',
          result: 'allowed',
          status: 202,
          permission: 'applications, sync, team-a/web',
        }),
        expect.objectContaining({ subject: 'anonymous', result: 'unauthenticated', status: 401 }),
      ]),
    );
  });
});
