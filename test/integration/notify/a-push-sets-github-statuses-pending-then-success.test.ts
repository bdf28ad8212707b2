import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WakeUpHandler } from '../../../shared/control/wake-up.js';
import type { App } from '../../../shared/domain/app.js';
import { parseNotificationConfig } from '../../../shared/notify/config.js';
import { HttpNotifier } from '../../../shared/notify/notifier.js';
import { silentLogger } from '../../../shared/ports/logger.js';
import { startLocalControl, type LocalControl } from '../../support/local-control.js';
import { testbedGuard } from '../../support/source.js';
import { execFileAsync, kubectl, testbed, uniqueName } from '../../support/testbed.js';
import { startReceiver } from '../../unit/notify/receiver.js';

// A push deploys through the worker's use cases against the test bed's cluster and git server; a
// GitHub API stand-in on loopback records the commit statuses: pending then success for the
// pushed SHA, nothing more for 10 drift checks, failure for a push whose render fails, and one
// Slack message and one signed webhook for the failure, none more after 10 further drift checks.
const ns = uniqueName('notify');
const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Gitferry Test',
  GIT_AUTHOR_EMAIL: 'test@gitferry.invalid',
  GIT_COMMITTER_NAME: 'Gitferry Test',
  GIT_COMMITTER_EMAIL: 'test@gitferry.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
};
const git = async (cwd: string, ...args: string[]) =>
  (await execFileAsync('git', args, { cwd, env: gitEnv })).stdout.trim();

const configMap = (value: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data: { value: "${value}" }
`;

describe('a push sets GitHub statuses pending then success', () => {
  let lc: LocalControl;
  let work: string;
  let repoURL: string;
  let gh: Awaited<ReturnType<typeof startReceiver>>;
  let hook: Awaited<ReturnType<typeof startReceiver>>;
  let slack: Awaited<ReturnType<typeof startReceiver>>;

  const push = async (files: Record<string, string>) => {
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(join(work, path, '..'), { recursive: true });
      writeFileSync(join(work, path), content);
    }
    await git(work, 'add', '-A');
    await git(work, 'commit', '--allow-empty', '-m', 'change');
    await git(work, 'push', '--quiet', 'origin', 'HEAD:refs/heads/main');
    return git(work, 'rev-parse', 'HEAD');
  };

  beforeAll(async () => {
    lc = startLocalControl();
    gh = await startReceiver([201]);
    hook = await startReceiver([200]);
    slack = await startReceiver([200]);
    // An owner/repo path, as on GitHub: <git server>/acme/<name>.git.
    const name = uniqueName('shop');
    await execFileAsync(
      'git',
      ['init', '--bare', '--initial-branch=main', join(testbed().git.repoRoot, 'acme', `${name}.git`)],
      {
        env: gitEnv,
      },
    );
    repoURL = `${testbed().git.url}/acme/${name}.git`;
    work = mkdtempSync(join(tmpdir(), 'gitferry-notify-'));
    await git(work, 'init', '--initial-branch=main');
    await git(work, 'remote', 'add', 'origin', repoURL);
  });
  afterAll(async () => {
    lc?.dispose();
    await gh?.close();
    await hook?.close();
    await slack?.close();
    if (work) rmSync(work, { recursive: true, force: true });
    await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
  });

  test('pending then success with the pushed SHA; 10 drift checks add none; a broken push is a failure', async () => {
    const config = parseNotificationConfig(`
service.github:
  apiURL: ${gh.url}/api/v3
  tokenSecret: github-token
  targetURL: https://gitferry.example.com/applications/{{app.name}}
service.webhook.ops:
  url: ${hook.url}/gitferry
  secret: ops-hmac
service.slack:
  webhookURLSecret: slack-url
`);
    const notifier = new HttpNotifier(
      config,
      {
        get: async (n) =>
          ({ 'github-token': 'ghs_test', 'ops-hmac': 'k', 'slack-url': `${slack.url}/services/T0/B0/x` })[n],
      },
      {
        guard: testbedGuard,
      },
    );
    const handler = new WakeUpHandler({
      store: lc.store,
      queue: { send: async (job, o) => void lc.sent.push({ job, delaySeconds: o?.delaySeconds ?? 0 }) },
      connector: lc.connector,
      renderer: lc.renderer,
      credentials: async () => undefined,
      clock: { now: Date.now },
      log: silentLogger,
      holder: 'notify-test',
      notifier,
      options: { guard: testbedGuard },
    });
    const app: App = {
      name: uniqueName('shop'),
      project: 'default',
      sources: [{ repoURL, path: 'deploy', targetRevision: 'main' }],
      destination: { name: lc.clusterName, namespace: ns },
      syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
      ignoreDifferences: [],
      revisionHistoryLimit: 10,
      annotations: {
        'notifications.argoproj.io/subscribe.on-sync-running.github': '',
        'notifications.argoproj.io/subscribe.on-deployed.github': '',
        'notifications.argoproj.io/subscribe.on-sync-failed.github': '',
        'notifications.argoproj.io/subscribe.on-sync-failed.ops': 'oncall',
        'notifications.argoproj.io/subscribe.on-sync-failed.slack': 'deploys',
      },
    };
    await lc.store.putApp(app);
    const first = await push({ 'deploy/settings.yaml': configMap('one') });
    await lc.runChain({ app: app.name, reason: 'webhook', requestedAt: Date.now() }, { handler });

    const statuses = () => gh.requests.map((r) => ({ path: r.path, ...JSON.parse(r.body) }));
    const name = repoURL
      .split('/')
      .pop()!
      .replace(/\.git$/, '');
    expect(statuses()).toEqual([
      {
        path: `/api/v3/repos/acme/${name}/statuses/${first}`,
        state: 'pending',
        context: `gitferry/${app.name}`,
        description: expect.stringContaining(`is syncing revision ${first}`),
        target_url: `https://gitferry.example.com/applications/${app.name}`,
      },
      {
        path: `/api/v3/repos/acme/${name}/statuses/${first}`,
        state: 'success',
        context: `gitferry/${app.name}`,
        description: expect.stringContaining(`revision ${first} is synced and healthy`),
        target_url: `https://gitferry.example.com/applications/${app.name}`,
      },
    ]);
    expect(gh.requests[0]!.headers.authorization).toBe('Bearer ghs_test');

    const drift: string[] = [];
    for (let i = 0; i < 10; i++)
      drift.push(
        ...(await lc.runChain({ app: app.name, reason: 'drift', requestedAt: Date.now() }, { handler })),
      );
    expect(drift.length).toBeGreaterThanOrEqual(10);
    expect(gh.requests).toHaveLength(2);

    const broken = await push({ 'deploy/settings.yaml': 'kind: [unclosed' });
    await lc.runChain({ app: app.name, reason: 'webhook', requestedAt: Date.now() }, { handler });
    expect(
      statuses()
        .slice(2)
        .map((s) => [s.path.split('/').pop(), s.state]),
    ).toEqual([
      [broken, 'pending'],
      [broken, 'failure'],
    ]);
    expect(hook.requests).toHaveLength(1);
    expect(JSON.parse(hook.requests[0]!.body)).toMatchObject({
      trigger: 'on-sync-failed',
      revision: broken,
      recipient: 'oncall',
    });
    expect(slack.requests).toHaveLength(1);
    expect(JSON.parse(slack.requests[0]!.body)).toEqual({
      text: expect.stringContaining(`Application ${app.name} failed to sync revision ${broken}`),
    });
    // The failed state, seen again by 10 drift checks: no second failure status, Slack message or webhook.
    for (let i = 0; i < 10; i++)
      await lc.runChain({ app: app.name, reason: 'drift', requestedAt: Date.now() }, { handler });
    expect(gh.requests).toHaveLength(4);
    expect(slack.requests).toHaveLength(1);
    expect(hook.requests).toHaveLength(1);
    const status = await lc.store.getStatus(app.name);
    expect(status?.conditions?.some((k) => k.type === 'NotificationError')).toBeFalsy();
    console.log(
      `drift wake-ups: ${drift.join(', ')}\nGitHub stand-in received:\n${gh.requests.map((r) => `${r.method} ${r.path} ${r.body}`).join('\n')}\nwebhook received:\n${hook.requests.map((r) => `${r.method} ${r.path} x-gitferry-signature-256: ${String(r.headers['x-gitferry-signature-256'])} ${r.body}`).join('\n')}`,
    );
  });
});
