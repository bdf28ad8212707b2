import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from '../../../cli/api-client.js';
import { login } from '../../../cli/login.js';
import { storedToken, tokenFile } from '../../../cli/token-store.js';
import { Browser } from '../../support/browser.js';
import { startSignedInGitferry, type SignedInGitferry } from '../../support/signed-in-gitferry.js';

describe.each([['loopback' as const], ['device' as const]])('gitferry login (%s flow)', (flow) => {
  let gf: SignedInGitferry;
  let home: string;
  const saved = process.env.XDG_CONFIG_HOME;

  beforeAll(async () => {
    gf = await startSignedInGitferry({ deviceFlow: flow === 'device' });
    home = mkdtempSync(join(tmpdir(), 'gitferry-login-'));
    process.env.XDG_CONFIG_HOME = home;
  });
  afterAll(async () => {
    await gf.stop();
    process.env.XDG_CONFIG_HOME = saved;
    rmSync(home, { recursive: true, force: true });
  });

  test('signs alice in, stores her ID token 0600, and the API decides on her groups', async () => {
    const browser = new Browser();
    const shown: string[] = [];
    const done = await login({
      server: gf.url,
      flow: 'auto',
      open: async (url, userCode) => {
        shown.push(userCode ? `${url} ${userCode}` : url);
        // The user's browser: signs in as alice at the provider (and confirms the device code).
        await browser.signIn(url, 'alice', gf.op.issuer);
      },
      timeoutMs: 60_000,
    });
    expect(done).toMatchObject({ subject: 'alice', flow });
    expect(shown[0]).toContain(gf.op.issuer);
    expect(tokenFile()).toBe(join(home, 'gitferry', 'tokens.json'));
    expect(statSync(tokenFile()).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, 'gitferry')).mode & 0o777).toBe(0o700);

    const cli = new ApiClient(gf.url, storedToken(gf.url));
    await expect(cli.request('POST', '/api/v1/apps/web/sync', {})).resolves.toMatchObject({
      requested: true,
    });
    await expect(cli.request('POST', '/api/v1/apps/pay/sync', {})).rejects.toThrow(
      'permission denied: applications, sync, team-b/pay (alice)',
    );
  });
});
