import { parseNotificationConfig } from '../../../shared/notify/config.js';
import { HttpNotifier } from '../../../shared/notify/notifier.js';
import { planNotifications, subscriptionsOf } from '../../../shared/notify/plan.js';
import { appWith, localRepo, secretsOf, sha, statusAt } from './fixtures.js';
import { startReceiver, type Answer, type Received } from './receiver.js';

// A GitHub stand-in holding deployments as GitHub does: listed by sha, environment and task,
// created with an id, each with its statuses.
const guard = { allowedHosts: ['127.0.0.1'] };

function deploymentsStandIn() {
  const deployments: { id: number; sha: string; environment: string; task: string; statuses: string[] }[] =
    [];
  const respond = (r: Received): Answer => {
    const u = new URL(r.path, 'http://x');
    if (r.headers.authorization !== 'Bearer ghp_t') throw new Error('no token');
    if (r.method === 'GET' && u.pathname === '/api/v3/repos/acme/shop/deployments') {
      const q = u.searchParams;
      const found = deployments
        .filter(
          (d) => d.sha === q.get('sha') && d.environment === q.get('environment') && d.task === q.get('task'),
        )
        .reverse()
        .slice(0, Number(q.get('per_page') ?? 30));
      return { status: 200, body: found.map((d) => ({ id: d.id, sha: d.sha, environment: d.environment })) };
    }
    if (r.method === 'POST' && u.pathname === '/api/v3/repos/acme/shop/deployments') {
      const b = JSON.parse(r.body) as { ref: string; environment: string; task: string };
      const d = {
        id: 1000 + deployments.length,
        sha: b.ref,
        environment: b.environment,
        task: b.task,
        statuses: [],
      };
      deployments.push(d);
      return { status: 201, body: { id: d.id, sha: d.sha, environment: d.environment } };
    }
    const m = /^\/api\/v3\/repos\/acme\/shop\/deployments\/(\d+)\/statuses$/.exec(u.pathname);
    const d = m && deployments.find((x) => x.id === Number(m[1]));
    if (r.method === 'POST' && d) {
      d.statuses.push((JSON.parse(r.body) as { state: string }).state);
      return { status: 201, body: { id: d.statuses.length } };
    }
    throw new Error(`unexpected ${r.method} ${r.path}`);
  };
  return { deployments, respond };
}

const config = (url: string, extra = '') =>
  parseNotificationConfig(`
service.github:
  apiURL: ${url}/api/v3
  tokenSecret: gh
  targetURL: https://gitferry.example.com/applications/{{app.name}}
service.github-deployment: {${extra}}
`);

const app = appWith(
  {
    'notifications.argoproj.io/subscribe.on-sync-running.github-deployment': '',
    'notifications.argoproj.io/subscribe.on-deployed.github-deployment': '',
    'notifications.argoproj.io/subscribe.on-sync-failed.github-deployment': '',
  },
  localRepo,
);

describe('GitHub Deployments follow the sync, one per revision and environment', () => {
  test('running creates the deployment in environment <cluster>/<app> (in_progress); deployed adds success to the same one', async () => {
    const stand = deploymentsStandIn();
    const gh = await startReceiver(stand.respond);
    try {
      const notifier = new HttpNotifier(config(gh.url), secretsOf({ gh: 'ghp_t' }), { guard });
      const subs = subscriptionsOf(app, notifier.services()).subscriptions;
      const running = statusAt('running');
      const first = planNotifications(app, undefined, running, subs);
      expect((await notifier.deliver(first.due)).map((r) => r.ok)).toEqual([true]);
      const done = planNotifications(
        app,
        { ...running, notifications: { sent: first.holding } },
        statusAt('healthy'),
        subs,
      );
      expect((await notifier.deliver(done.due)).map((r) => r.ok)).toEqual([true]);

      const q = new URLSearchParams({ sha, environment: 'dev/shop', task: 'deploy:gitferry', per_page: '1' });
      expect(gh.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        `GET /api/v3/repos/acme/shop/deployments?${q}`,
        'POST /api/v3/repos/acme/shop/deployments',
        'POST /api/v3/repos/acme/shop/deployments/1000/statuses',
        `GET /api/v3/repos/acme/shop/deployments?${q}`,
        'POST /api/v3/repos/acme/shop/deployments/1000/statuses',
      ]);
      expect(JSON.parse(gh.requests[1]!.body)).toEqual({
        ref: sha,
        task: 'deploy:gitferry',
        environment: 'dev/shop',
        description: `Application shop is syncing revision ${sha}.`,
        auto_merge: false,
        required_contexts: [],
        payload: { app: 'shop', project: 'default' },
      });
      expect(JSON.parse(gh.requests[2]!.body)).toEqual({
        state: 'in_progress',
        description: `Application shop is syncing revision ${sha}.`,
        environment_url: 'https://gitferry.example.com/applications/shop',
        log_url: 'https://gitferry.example.com/applications/shop',
        auto_inactive: true,
      });
      expect(JSON.parse(gh.requests[4]!.body)).toMatchObject({ state: 'success' });
      expect(stand.deployments).toEqual([
        expect.objectContaining({ id: 1000, environment: 'dev/shop', statuses: ['in_progress', 'success'] }),
      ]);
    } finally {
      await gh.close();
    }
  });

  test('the environment and URLs are templates; a failed run of a new revision gets its own deployment with failure', async () => {
    const stand = deploymentsStandIn();
    const gh = await startReceiver(stand.respond);
    try {
      const notifier = new HttpNotifier(
        config(
          gh.url,
          'environment: "production-{{app.cluster}}", environmentURL: "https://shop.example.com", logURL: "https://ci.example.com/{{app.name}}/{{revision}}"',
        ),
        secretsOf({ gh: 'ghp_t' }),
        { guard },
      );
      const subs = subscriptionsOf(app, notifier.services()).subscriptions;
      const other = 'b'.repeat(40);
      await notifier.deliver(planNotifications(app, undefined, statusAt('healthy'), subs).due);
      await notifier.deliver(planNotifications(app, undefined, statusAt('failed', other, 2), subs).due);
      expect(stand.deployments.map((d) => [d.sha, d.environment, d.statuses])).toEqual([
        [sha, 'production-dev', ['in_progress', 'success']],
        [other, 'production-dev', ['in_progress', 'failure']],
      ]);
      const last = JSON.parse(gh.requests.at(-1)!.body) as Record<string, unknown>;
      expect(last).toMatchObject({
        state: 'failure',
        environment_url: 'https://shop.example.com',
        log_url: `https://ci.example.com/shop/${other}`,
      });
    } finally {
      await gh.close();
    }
  });

  test('a repo on another host, or an app name that makes the URL template no URL: nothing sent there', async () => {
    const stand = deploymentsStandIn();
    const gh = await startReceiver(stand.respond);
    try {
      const notifier = new HttpNotifier(
        config(gh.url, 'logURL: "{{app.name}}"'),
        secretsOf({ gh: 'ghp_t' }),
        { guard },
      );
      const elsewhere = appWith(app.annotations!, 'https://evil.example.com/acme/shop.git');
      const [r] = await notifier.deliver(
        planNotifications(
          elsewhere,
          undefined,
          statusAt('running'),
          subscriptionsOf(elsewhere, notifier.services()).subscriptions,
        ).due,
      );
      expect(r).toMatchObject({ ok: false, attempts: 1, retry: false });
      expect(r!.error).toContain(
        'https://evil.example.com/acme/shop.git is not on the GitHub at http://127.0.0.1',
      );
      expect(gh.requests).toHaveLength(0);
      await notifier.deliver(
        planNotifications(
          app,
          undefined,
          statusAt('running'),
          subscriptionsOf(app, notifier.services()).subscriptions,
        ).due,
      );
      expect(JSON.parse(gh.requests.at(-1)!.body)).not.toHaveProperty('log_url');
    } finally {
      await gh.close();
    }
  });

  test('service.github-deployment needs service.github', () => {
    expect(() => parseNotificationConfig('service.github-deployment: {}')).toThrow(
      /service.github-deployment: needs service.github/,
    );
    expect(() => parseNotificationConfig('service.webhook.gitlab: {url: "https://x"}')).toThrow(
      /a webhook name is a DNS label other than github, github-deployment, gitlab, slack/,
    );
  });
});
