import { generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { parseNotificationConfig } from '../../../shared/notify/config.js';
import { HttpNotifier } from '../../../shared/notify/notifier.js';
import { planNotifications, subscriptionsOf } from '../../../shared/notify/plan.js';
import { appWith, localRepo, secretsOf, sha, statusAt } from './fixtures.js';
import { startReceiver, type Answer, type Received } from './receiver.js';

// A GitHub API stand-in that checks each request as GitHub would: the app JWT (RS256, signed by
// the App's key, iss = the app id, at most 10 minutes), the installation lookup and token
// exchange made with it, and the status call made with the installation token.
const guard = { allowedHosts: ['127.0.0.1'] };
const hour = 3600_000;
const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
});

function appJwtOf(r: Received, key: KeyObject | string): { iss: unknown; iat: number; exp: number } {
  const auth = String(r.headers.authorization ?? '');
  const m = /^bearer (.+)$/i.exec(auth);
  if (!m) throw new Error(`${r.path}: no bearer JWT`);
  const [h, p, s] = m[1]!.split('.') as [string, string, string];
  const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg: string };
  if (header.alg !== 'RS256') throw new Error(`${r.path}: JWT alg ${header.alg}`);
  if (!verify('RSA-SHA256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url')))
    throw new Error(`${r.path}: the JWT is not signed by the App's key`);
  return JSON.parse(Buffer.from(p, 'base64url').toString()) as { iss: unknown; iat: number; exp: number };
}

function githubStandIn(opts: {
  installation?: number;
  tokenExpiresAt: () => number;
  key?: KeyObject | string;
}) {
  let issued = 0;
  const jwts: { iss: unknown; iat: number; exp: number }[] = [];
  return {
    jwts,
    respond: (r: Received): Answer => {
      if (r.method === 'GET' && r.path === '/api/v3/repos/acme/shop/installation') {
        jwts.push(appJwtOf(r, opts.key ?? publicKey));
        return opts.installation ? { status: 200, body: { id: opts.installation } } : { status: 404 };
      }
      const exchange = /^\/api\/v3\/app\/installations\/(\d+)\/access_tokens$/.exec(r.path);
      if (r.method === 'POST' && exchange) {
        jwts.push(appJwtOf(r, opts.key ?? publicKey));
        issued++;
        return {
          status: 201,
          body: {
            token: `ghs_installation_${exchange[1]}_${issued}`,
            expires_at: new Date(opts.tokenExpiresAt()).toISOString(),
            permissions: { statuses: 'write' },
            repository_selection: 'all',
          },
        };
      }
      if (r.method === 'POST' && r.path === `/api/v3/repos/acme/shop/statuses/${sha}`) {
        if (!/^Bearer ghs_installation_\d+_\d+$/.test(String(r.headers.authorization)))
          throw new Error(`status call without an installation token: ${String(r.headers.authorization)}`);
        return { status: 201, body: { id: 1, state: (JSON.parse(r.body) as { state: string }).state } };
      }
      throw new Error(`unexpected ${r.method} ${r.path}`);
    },
  };
}

const app = appWith(
  {
    'notifications.argoproj.io/subscribe.on-sync-running.github': '',
    'notifications.argoproj.io/subscribe.on-deployed.github': '',
  },
  localRepo,
);

describe('a GitHub App signs its JWT, exchanges it for an installation token and caches it', () => {
  test('lookup → exchange → statuses with the installation token; the token is reused until shortly before it expires', async () => {
    let now = Date.parse('2026-12-01T12:00:00Z');
    const t0 = now;
    const stand = githubStandIn({ installation: 4242, tokenExpiresAt: () => now + hour });
    const gh = await startReceiver(stand.respond);
    try {
      const config = parseNotificationConfig(`
service.github: |
  apiURL: ${gh.url}/api/v3
  appID: 123456
  privateKeySecret: github-app-key
`);
      const notifier = new HttpNotifier(config, secretsOf({ 'github-app-key': privateKey }), {
        guard,
        now: () => now,
      });
      const { subscriptions } = subscriptionsOf(app, notifier.services());
      const plan = planNotifications(app, undefined, statusAt('healthy'), subscriptions);
      expect(await notifier.deliver(plan.due)).toEqual([
        { key: plan.due[0]!.key, ok: true, attempts: 1 },
        { key: plan.due[1]!.key, ok: true, attempts: 1 },
      ]);
      expect(gh.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        'GET /api/v3/repos/acme/shop/installation',
        'POST /api/v3/app/installations/4242/access_tokens',
        `POST /api/v3/repos/acme/shop/statuses/${sha}`,
        `POST /api/v3/repos/acme/shop/statuses/${sha}`,
      ]);
      expect(gh.requests[2]!.headers.authorization).toBe('Bearer ghs_installation_4242_1');
      expect(gh.requests[3]!.headers.authorization).toBe('Bearer ghs_installation_4242_1');
      expect(gh.requests[1]!.body).toBe('{}');
      expect(gh.requests.map((r) => r.headers['x-github-api-version'])).toEqual(Array(4).fill('2022-11-28'));
      expect(JSON.parse(gh.requests[3]!.body)).toMatchObject({ state: 'success', context: 'gitferry/shop' });
      for (const jwt of stand.jwts) {
        expect(jwt.iss).toBe(123456);
        expect(jwt.exp - jwt.iat).toBeLessThanOrEqual(600);
      }

      // 50 minutes later the token (expiring at t0 + 60 min) is still good: no exchange.
      now = t0 + 50 * 60_000;
      const again = planNotifications(app, undefined, statusAt('healthy', sha, 2), subscriptions);
      await notifier.deliver(again.due.slice(0, 1));
      expect(gh.requests.slice(4).map((r) => r.path)).toEqual([`/api/v3/repos/acme/shop/statuses/${sha}`]);
      expect(gh.requests[4]!.headers.authorization).toBe('Bearer ghs_installation_4242_1');

      // 56 minutes: within 5 minutes of expiry, a new token (the installation is remembered).
      now = t0 + 56 * 60_000;
      await notifier.deliver(again.due.slice(1));
      expect(gh.requests.slice(5).map((r) => `${r.method} ${r.path}`)).toEqual([
        'POST /api/v3/app/installations/4242/access_tokens',
        `POST /api/v3/repos/acme/shop/statuses/${sha}`,
      ]);
      expect(gh.requests[6]!.headers.authorization).toBe('Bearer ghs_installation_4242_2');
    } finally {
      await gh.close();
    }
  });

  test('a configured installationID skips the lookup', async () => {
    const stand = githubStandIn({ tokenExpiresAt: () => Date.now() + hour });
    const gh = await startReceiver(stand.respond);
    try {
      const config = parseNotificationConfig(`
service.github:
  apiURL: ${gh.url}/api/v3
  appID: "77"
  installationID: 9001
  privateKeySecret: github-app-key
`);
      const notifier = new HttpNotifier(config, secretsOf({ 'github-app-key': privateKey }), { guard });
      const plan = planNotifications(
        app,
        undefined,
        statusAt('running'),
        subscriptionsOf(app, notifier.services()).subscriptions,
      );
      expect((await notifier.deliver(plan.due)).map((r) => r.ok)).toEqual([true]);
      expect(gh.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        'POST /api/v3/app/installations/9001/access_tokens',
        `POST /api/v3/repos/acme/shop/statuses/${sha}`,
      ]);
      expect(stand.jwts[0]!.iss).toBe(77);
    } finally {
      await gh.close();
    }
  });

  test('an App not installed on the repo, a key GitHub does not know, or no key: a clear result, not retried, no secret in it', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const notInstalled = await startReceiver(githubStandIn({ tokenExpiresAt: () => 0 }).respond);
    const wrongKey = await startReceiver(
      githubStandIn({ installation: 1, tokenExpiresAt: () => 0, key: other.publicKey }).respond,
    );
    try {
      const run = async (url: string, secrets: Record<string, string>) => {
        const config = parseNotificationConfig(
          `service.github: {apiURL: "${url}/api/v3", appID: 5, privateKeySecret: k}`,
        );
        const notifier = new HttpNotifier(config, secretsOf(secrets), { guard, sleep: async () => {} });
        const plan = planNotifications(
          app,
          undefined,
          statusAt('running'),
          subscriptionsOf(app, notifier.services()).subscriptions,
        );
        return (await notifier.deliver(plan.due))[0]!;
      };
      const a = await run(notInstalled.url, { k: privateKey });
      expect(a).toMatchObject({ ok: false, attempts: 1, retry: false });
      expect(a.error).toMatch(/GitHub App installation lookup .* answered 404/);
      const b = await run(wrongKey.url, { k: privateKey });
      expect(b).toMatchObject({ ok: false, attempts: 1 });
      expect(b.error).toMatch(/answered 418: .*not signed by the App's key/);
      const c = await run(wrongKey.url, {});
      expect(c).toMatchObject({
        ok: false,
        attempts: 1,
        error: 'github on-sync-running: GitHub App: secret k is not set',
      });
      const d = await run(wrongKey.url, { k: 'not a key' });
      expect(d.error).toContain('secret k does not hold a PEM private key');
      expect(d.error).not.toContain('not a key');
      expect(wrongKey.requests).toHaveLength(1);
      for (const r of [a, b, c]) expect(r.error).not.toContain('PRIVATE KEY');
    } finally {
      await notInstalled.close();
      await wrongKey.close();
    }
  });

  test('the configuration takes a token or an App, never both, and never a key inline', () => {
    expect(() => parseNotificationConfig('service.github: {appID: 1}')).toThrow(
      /service.github: tokenSecret, or appID and privateKeySecret/,
    );
    expect(() =>
      parseNotificationConfig('service.github: {tokenSecret: t, appID: 1, privateKeySecret: k}'),
    ).toThrow(/not both/);
    expect(() => parseNotificationConfig('service.github: {appID: 1, privateKey: "-----BEGIN"}')).toThrow(
      /privateKey is a secret/,
    );
    expect(() => parseNotificationConfig('service.github: {appID: -3, privateKeySecret: k}')).toThrow(
      /appID must be a positive integer/,
    );
    expect(() =>
      parseNotificationConfig('service.github: {appID: "1; rm -rf", privateKeySecret: k}'),
    ).toThrow(/appID must be a positive integer/);
  });
});
