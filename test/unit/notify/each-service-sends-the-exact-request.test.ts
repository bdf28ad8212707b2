import { createHmac } from 'node:crypto';
import { parseNotificationConfig } from '../../../shared/notify/config.js';
import { HttpNotifier } from '../../../shared/notify/notifier.js';
import { planNotifications, subscriptionsOf } from '../../../shared/notify/plan.js';
import { appWith, localRepo, secretsOf, sha, statusAt } from './fixtures.js';
import { startReceiver } from './receiver.js';

const guard = { allowedHosts: ['127.0.0.1'] };
const noWait = async () => {};

describe('each service sends the exact request', () => {
  test('GitHub: a commit status on the app repo and revision, pending then success, with the token', async () => {
    const gh = await startReceiver([201]);
    try {
      const config = parseNotificationConfig(`
service.github: |
  apiURL: ${gh.url}/api/v3
  tokenSecret: gitferry/github-token
  targetURL: https://gitferry.example.com/apps/{{app.name}}
`);
      const notifier = new HttpNotifier(config, secretsOf({ 'gitferry/github-token': 'ghp_secret\n' }), {
        guard,
      });
      const app = appWith(
        {
          'notifications.argoproj.io/subscribe.on-sync-running.github': '',
          'notifications.argoproj.io/subscribe.on-deployed.github': '',
        },
        localRepo,
      );
      const { subscriptions } = subscriptionsOf(app, notifier.services());
      const finished = statusAt('healthy');
      const plan = planNotifications(app, undefined, finished, subscriptions);
      const results = await notifier.deliver(plan.due);
      expect(results.map((r) => r.ok)).toEqual([true, true]);
      expect(gh.requests.map((r) => [r.method, r.path])).toEqual([
        ['POST', `/api/v3/repos/acme/shop/statuses/${sha}`],
        ['POST', `/api/v3/repos/acme/shop/statuses/${sha}`],
      ]);
      expect(gh.requests.map((r) => JSON.parse(r.body))).toEqual([
        {
          state: 'pending',
          context: 'gitferry/shop',
          description: `Application shop is syncing revision ${sha}.`,
          target_url: 'https://gitferry.example.com/apps/shop',
        },
        {
          state: 'success',
          context: 'gitferry/shop',
          description: `Application shop is deployed: revision ${sha} is synced and healthy.`,
          target_url: 'https://gitferry.example.com/apps/shop',
        },
      ]);
      expect(gh.requests[0]!.headers.authorization).toBe('Bearer ghp_secret');
      expect(gh.requests[0]!.headers['content-type']).toBe('application/json');
      expect(gh.requests[0]!.headers['x-github-api-version']).toBe('2022-11-28');
    } finally {
      await gh.close();
    }
  });

  test('Slack: the incoming webhook from the secret store receives {text}', async () => {
    const slack = await startReceiver([200]);
    try {
      const config = parseNotificationConfig(
        JSON.stringify({ 'service.slack': { webhookURLSecret: 'slack-url' } }),
      );
      const notifier = new HttpNotifier(
        config,
        secretsOf({ 'slack-url': `${slack.url}/services/T0/B0/xyz` }),
        {
          guard,
        },
      );
      const app = appWith({ 'notifications.argoproj.io/subscribe.on-sync-failed.slack': 'deploys' });
      const plan = planNotifications(
        app,
        undefined,
        statusAt('failed'),
        subscriptionsOf(app, notifier.services()).subscriptions,
      );
      expect((await notifier.deliver(plan.due)).map((r) => r.ok)).toEqual([true]);
      expect(slack.requests).toHaveLength(1);
      expect(slack.requests[0]!.path).toBe('/services/T0/B0/xyz');
      expect(JSON.parse(slack.requests[0]!.body)).toEqual({
        text: `Application shop failed to sync revision ${sha}: Deployment/shop/web apply failed: invalid`,
      });
    } finally {
      await slack.close();
    }
  });

  test('webhook: a JSON body whose X-Gitferry-Signature-256 verifies with the shared secret', async () => {
    const hook = await startReceiver([204]);
    try {
      const config = parseNotificationConfig(`
service.webhook.ops:
  url: ${hook.url}/hooks/gitferry
  secret: ops-hmac
template.on-sync-succeeded:
  message: "{{app.name}} @ {{revision}} is {{phase}} ({{sync.status}}/{{health.status}})"
`);
      const notifier = new HttpNotifier(config, secretsOf({ 'ops-hmac': 'k3y' }), { guard });
      const app = appWith({ 'notifications.argoproj.io/subscribe.on-sync-succeeded.ops': '' });
      const plan = planNotifications(
        app,
        undefined,
        statusAt('finished'),
        subscriptionsOf(app, notifier.services()).subscriptions,
      );
      expect((await notifier.deliver(plan.due)).map((r) => r.ok)).toEqual([true]);
      const [req] = hook.requests;
      const expected = `sha256=${createHmac('sha256', 'k3y').update(req!.body).digest('hex')}`;
      expect(req!.headers['x-gitferry-signature-256']).toBe(expected);
      expect(req!.headers['x-gitferry-event']).toBe('on-sync-succeeded');
      expect(JSON.parse(req!.body)).toEqual({
        app: 'shop',
        project: 'default',
        trigger: 'on-sync-succeeded',
        recipient: '',
        revision: sha,
        repoURL: 'https://github.com/acme/shop.git',
        phase: 'Succeeded',
        sync: 'Synced',
        health: 'Progressing',
        message: `shop @ ${sha} is Succeeded (Synced/Progressing)`,
      });
    } finally {
      await hook.close();
    }
  });

  test('a failing receiver is tried 3 times with backoff, then the result says why (no secret in it)', async () => {
    const slack = await startReceiver([500]);
    try {
      const waits: number[] = [];
      const config = parseNotificationConfig(`service.slack: {webhookURLSecret: slack-url}`);
      const notifier = new HttpNotifier(
        config,
        secretsOf({ 'slack-url': `${slack.url}/services/T0/B0/SECRETPATH` }),
        {
          guard,
          sleep: async (ms) => void waits.push(ms),
        },
      );
      const app = appWith({ 'notifications.argoproj.io/subscribe.on-sync-failed.slack': '' });
      const plan = planNotifications(
        app,
        undefined,
        statusAt('failed'),
        subscriptionsOf(app, notifier.services()).subscriptions,
      );
      const [result] = await notifier.deliver(plan.due);
      expect(slack.requests).toHaveLength(3);
      expect(waits).toEqual([500, 2000]);
      expect(result).toMatchObject({ ok: false, attempts: 3 });
      expect(result!.error).toMatch(/answered 500/);
      expect(result!.error).not.toMatch(/SECRETPATH/);
    } finally {
      await slack.close();
    }
  });

  test('a 4xx is not retried', async () => {
    const gh = await startReceiver([422]);
    try {
      const config = parseNotificationConfig(`service.github: {apiURL: "${gh.url}", tokenSecret: t}`);
      const notifier = new HttpNotifier(config, secretsOf({ t: 'x' }), { guard, sleep: noWait });
      const app = appWith({ 'notifications.argoproj.io/subscribe.on-sync-failed.github': '' }, localRepo);
      const plan = planNotifications(
        app,
        undefined,
        statusAt('failed'),
        subscriptionsOf(app, notifier.services()).subscriptions,
      );
      const [result] = await notifier.deliver(plan.due);
      expect(gh.requests).toHaveLength(1);
      expect(result).toMatchObject({ ok: false, attempts: 1 });
    } finally {
      await gh.close();
    }
  });
});

test('one delivery is bounded by its budget: no retry and no further notification starts after it', async () => {
  const slack = await startReceiver([503]);
  try {
    let clock = 0;
    const config = parseNotificationConfig(`service.slack: {webhookURLSecret: slack-url}`);
    const notifier = new HttpNotifier(config, secretsOf({ 'slack-url': `${slack.url}/s` }), {
      guard,
      budgetMs: 1000,
      now: () => clock,
      // A wait that oversleeps (a slow request would do the same) ends past the budget: the
      // first notification stops retrying, the second is not started.
      sleep: async (ms) => void (clock += ms + 500),
      backoffMs: [600],
    });
    const app = appWith({
      'notifications.argoproj.io/subscribe.on-sync-running.slack': '',
      'notifications.argoproj.io/subscribe.on-sync-failed.slack': '',
    });
    const plan = planNotifications(
      app,
      undefined,
      statusAt('failed'),
      subscriptionsOf(app, notifier.services()).subscriptions,
    );
    const results = await notifier.deliver(plan.due);
    expect(results.map((r) => [r.ok, r.attempts])).toEqual([
      [false, 2],
      [false, 0],
    ]);
    expect(results[1]!.error).toMatch(/not tried, the delivery budget was spent/);
    expect(slack.requests).toHaveLength(2);
  } finally {
    await slack.close();
  }
});
