// `npm start`'s sandbox: its git server sends a signed push webhook to serve on every push, so a
// `git push` from a fresh clone deploys (the sandbox's own code, on the shared test bed).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startSandbox, type Sandbox } from '../../scripts/sandbox.js';
import { freePort } from '../testbed/free-port.js';
import { eventually, kubectl, testbed, uniqueName } from '../support/testbed.js';

const run = promisify(execFile);
const gitEnv = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
  GIT_AUTHOR_NAME: 'A User',
  GIT_AUTHOR_EMAIL: 'user@gitferry.invalid',
  GIT_COMMITTER_NAME: 'A User',
  GIT_COMMITTER_EMAIL: 'user@gitferry.invalid',
};

describe('the sandbox behind npm start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gitferry-sandbox-'));
  const namespace = uniqueName('e2e-sandbox');
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await startSandbox(testbed(), {
      port: await freePort(),
      dataDir: join(dir, 'data'),
      namespace,
      log: { info: () => {}, warn: () => {}, error: () => {} },
    });
  });
  afterAll(async () => {
    await sandbox.stop();
    await kubectl(['delete', 'namespace', namespace, '--wait=false', '--ignore-not-found']);
    rmSync(dir, { recursive: true, force: true });
  });

  test('clone, commit, git push: the app deploys the pushed commit with no webhook sent by hand', async () => {
    await sandbox.waitFor((s) => s.sync?.status === 'Synced' && s.health?.status === 'Healthy');
    const clone = join(dir, 'guestbook');
    await run('git', ['clone', '--quiet', sandbox.repo.url, clone], { env: gitEnv });
    const file = join(clone, 'guestbook', 'app.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('replicas: 2', 'replicas: 4'));
    await run('git', ['commit', '-qam', 'four replicas'], { cwd: clone, env: gitEnv });
    const push = await run('git', ['push', 'origin', 'HEAD:main'], { cwd: clone, env: gitEnv });
    const sha = (await run('git', ['rev-parse', 'HEAD'], { cwd: clone })).stdout.trim();
    // The hook's report reaches the pusher, as GitHub's delivery log would.
    expect(push.stderr).toMatch(
      new RegExp(`remote: gitferry: push webhook for refs/heads/main ${sha.slice(0, 8)}: HTTP 202 `),
    );

    await sandbox.waitFor((s) => s.sync?.revision === sha && s.sync?.status === 'Synced');
    await eventually('4 replicas on the cluster', async () =>
      (await kubectl([
        'get',
        'deploy',
        'guestbook-ui',
        '-n',
        namespace,
        '-o',
        'jsonpath={.spec.replicas}',
      ])) === '4'
        ? true
        : undefined,
    );
  });

  test('the sandbox answers the read-only views: manifests from Git and live, Pod logs, version', async () => {
    const api = async (path: string) => {
      const res = await fetch(`${sandbox.server.url}/api/v1${path}`, {
        headers: { authorization: `Bearer ${sandbox.server.token}` },
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const git = await api('/apps/guestbook/manifests');
    expect(git.status).toBe(200);
    expect((git.body.items as { kind: string }[]).map((o) => o.kind).sort()).toEqual([
      'ConfigMap',
      'Deployment',
    ]);
    const live = await api('/apps/guestbook/manifests?source=live');
    expect(
      (live.body.items as { metadata: { namespace: string } }[]).every(
        (o) => o.metadata.namespace === namespace,
      ),
    ).toBe(true);
    const logs = await api('/apps/guestbook/logs?tailLines=3');
    expect(logs.status).toBe(200);
    const items = logs.body.items as { pod: string; namespace: string; container: string }[];
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((l) => l.namespace === namespace && l.container === 'ui')).toBe(true);
    expect((await api('/version')).body).toMatchObject({ name: 'gitferry', version: '0.1.0' });
  });
});
