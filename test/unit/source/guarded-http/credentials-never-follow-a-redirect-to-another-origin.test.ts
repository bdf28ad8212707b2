import { guardedGet } from '../../../../shared/source/guarded-http.js';
import { createGitHttpClient } from '../../../../shared/source/git-http.js';
import { answer, redirectTo, startServer, type LocalServer } from './local-servers.js';

const guard = { allowedHosts: ['127.0.0.0/8'] };

describe('credentials never follow a redirect to another origin', () => {
  let other: LocalServer;
  let start: LocalServer;
  beforeEach(async () => {
    other = await startServer('127.0.0.3', answer('elsewhere'));
  });
  afterEach(async () => {
    await start.close();
    await other.close();
  });

  test('an Authorization and a Cookie header stay behind', async () => {
    start = await startServer('127.0.0.1', redirectTo(`${other.origin}/collect`));

    await guardedGet(`${start.origin}/index.yaml`, {
      guard,
      headers: { Authorization: 'Bearer tenant-token', cookie: 'session=abc', accept: 'text/yaml' },
    });

    expect(start.seen[0]!.headers.authorization).toBe('Bearer tenant-token');
    expect(other.seen).toHaveLength(1);
    expect(other.seen[0]!.headers.authorization).toBeUndefined();
    expect(other.seen[0]!.headers.cookie).toBeUndefined();
    expect(other.seen[0]!.headers.accept).toBe('text/yaml');
  });

  test('userinfo of the URL is sent as Basic auth to its own origin only', async () => {
    start = await startServer('127.0.0.1', redirectTo(`${other.origin}/collect`));
    const url = new URL(`${start.origin}/index.yaml`);
    url.username = 'robot';
    url.password = 's3cret';

    const got = await guardedGet(url.toString(), { guard });

    expect(start.seen[0]!.headers.authorization).toBe(
      `Basic ${Buffer.from('robot:s3cret').toString('base64')}`,
    );
    expect(other.seen[0]!.headers.authorization).toBeUndefined();
    expect(got.url).toBe(`${other.origin}/collect`);
  });

  test('a same-host redirect to another port is another origin', async () => {
    const samehost = await startServer('127.0.0.3', answer('other port'));
    try {
      start = await startServer('127.0.0.3', redirectTo(`${samehost.origin}/x`));
      await guardedGet(`${start.origin}/a`, { guard, headers: { authorization: 'Bearer t' } });
      expect(samehost.seen[0]!.headers.authorization).toBeUndefined();
    } finally {
      await samehost.close();
    }
  });

  test('a redirect within the origin keeps them', async () => {
    start = await startServer('127.0.0.1', (req, res) => {
      if (req.url === '/old') res.writeHead(301, { location: '/new' }).end();
      else res.end('here');
    });

    const got = await guardedGet(`${start.origin}/old`, { guard, headers: { authorization: 'Bearer t' } });

    expect(got.body.toString()).toBe('here');
    expect(start.seen.map((r) => [r.url, r.headers.authorization])).toEqual([
      ['/old', 'Bearer t'],
      ['/new', 'Bearer t'],
    ]);
  });

  test('the git client drops the Authorization isomorphic-git derives from URL userinfo', async () => {
    start = await startServer(
      '127.0.0.1',
      redirectTo(`${other.origin}/repo.git/info/refs?service=git-upload-pack`),
    );
    const http = createGitHttpClient({ guard });
    const basic = `Basic ${Buffer.from('robot:s3cret').toString('base64')}`;

    // isomorphic-git strips userinfo from the URL and passes it as this header.
    const res = await http.request({
      url: `${start.origin}/repo.git/info/refs?service=git-upload-pack`,
      method: 'GET',
      headers: { Authorization: basic },
    });
    for await (const _ of res.body ?? []) void _;

    expect(start.seen[0]!.headers.authorization).toBe(basic);
    expect(other.seen[0]!.headers.authorization).toBeUndefined();
  });

  test('the git client sends configured credentials once, and not past an origin change', async () => {
    start = await startServer('127.0.0.1', redirectTo(`${other.origin}/repo.git/info/refs`));
    const http = createGitHttpClient({ guard, credentials: { password: 'repo-token' } });

    const res = await http.request({
      url: `${start.origin}/repo.git/info/refs`,
      method: 'GET',
      headers: { Authorization: 'Basic from-userinfo' },
    });
    for await (const _ of res.body ?? []) void _;

    expect(start.seen[0]!.headers.authorization).toBe(
      `Basic ${Buffer.from('git:repo-token').toString('base64')}`,
    );
    expect(other.seen[0]!.headers.authorization).toBeUndefined();
  });
});
