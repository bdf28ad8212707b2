import { parseNotificationConfig } from '../../../shared/notify/config.js';
import { HttpNotifier } from '../../../shared/notify/notifier.js';
import { notifyLimits, planNotifications, subscriptionsOf } from '../../../shared/notify/plan.js';
import { renderTemplate } from '../../../shared/notify/template.js';
import { appWith, secretsOf, statusAt } from './fixtures.js';
import { startReceiver } from './receiver.js';

const guard = { allowedHosts: ['127.0.0.1'] };

describe('attacker values reach no URL, header or template', () => {
  test('a recipient that is a metadata URL is only a name: the request goes to the configured webhook', async () => {
    const hook = await startReceiver([200]);
    try {
      const config = parseNotificationConfig(`service.webhook.ops: {url: "${hook.url}/in"}`);
      const notifier = new HttpNotifier(config, secretsOf({}), { guard });
      const app = appWith({
        'notifications.argoproj.io/subscribe.on-sync-failed.ops': 'http://169.254.169.254/latest/meta-data/',
      });
      const plan = planNotifications(
        app,
        undefined,
        statusAt('failed'),
        subscriptionsOf(app, notifier.services()).subscriptions,
      );
      expect((await notifier.deliver(plan.due)).map((r) => r.ok)).toEqual([true]);
      expect(hook.requests.map((r) => r.path)).toEqual(['/in']);
      expect(JSON.parse(hook.requests[0]!.body).recipient).toBe('http://169.254.169.254/latest/meta-data/');
    } finally {
      await hook.close();
    }
  });

  test('service URLs pass the URL guard: metadata and loopback addresses are refused once, not retried', async () => {
    const config = parseNotificationConfig(`
service.webhook.meta: {url: "http://169.254.169.254/latest/meta-data/"}
service.slack: {webhookURLSecret: slack-url}
`);
    const attempts: number[] = [];
    const notifier = new HttpNotifier(config, secretsOf({ 'slack-url': 'http://127.0.0.1:9/services/x' }), {
      guard: {},
      sleep: async (ms) => void attempts.push(ms),
    });
    const app = appWith({
      'notifications.argoproj.io/subscribe.on-sync-failed.meta': '',
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
      [false, 1],
      [false, 1],
    ]);
    expect(results[0]!.error).toMatch(/metadata/);
    expect(results[1]!.error).toMatch(/loopback/);
    expect(results[1]!.error).not.toMatch(/services\/x/);
    expect(attempts).toEqual([]);
  });

  test('placeholders in values stay text; unknown and prototype names render empty', () => {
    const values = { 'app.name': '{{message}}', message: 'secret-ish' };
    // `{{__proto__}}` is not a placeholder (names start with a letter): it stays as text.
    expect(renderTemplate('{{app.name}} {{constructor}} {{__proto__}} {{toString}} {{nope}}', values)).toBe(
      '{{message}}  {{__proto__}}  ',
    );
    expect(renderTemplate('{{message}}'.repeat(10), { message: 'x'.repeat(1000) }, 100)).toHaveLength(100);
  });

  test('huge recipient lists are cut, recipients with CR/LF refused, both named in the problems', () => {
    const many = Array.from({ length: 5000 }, (_, i) => `chan${i}`).join(';');
    const app = appWith({
      'notifications.argoproj.io/subscribe.on-sync-failed.slack': many,
      'notifications.argoproj.io/subscribe.on-deployed.slack': 'ok\r\nX-Injected: yes',
      'notifications.argoproj.io/subscribe.on-everything.slack': 'x',
      'notifications.argoproj.io/subscribe.on-deployed.pagerduty': 'x',
    });
    const { subscriptions, problems } = subscriptionsOf(app, ['slack']);
    expect(subscriptions).toHaveLength(notifyLimits.recipientsPerSubscription);
    expect(subscriptions.every((s) => s.trigger === 'on-sync-failed')).toBe(true);
    expect(problems).toEqual([
      expect.stringMatching(/on-sync-failed\.slack: 5000 recipients, only the first 10/),
      expect.stringMatching(/on-deployed\.slack: a recipient .* control characters/),
      expect.stringMatching(/on-everything\.slack: unknown trigger/),
      expect.stringMatching(/on-deployed\.pagerduty: service "pagerduty" is not configured/),
    ]);
  });

  test('a GitHub status is never sent for a repo path or revision that is not owner/repo and a SHA', async () => {
    const gh = await startReceiver([201]);
    try {
      const config = parseNotificationConfig(`service.github: {apiURL: "${gh.url}", tokenSecret: t}`);
      const notifier = new HttpNotifier(config, secretsOf({ t: 'x' }), { guard });
      const sub = { 'notifications.argoproj.io/subscribe.on-sync-failed.github': '' };
      const bad = [
        planNotifications(appWith(sub, 'https://github.com/../../admin'), undefined, statusAt('failed'), [
          { trigger: 'on-sync-failed', service: 'github', recipient: '' },
        ]),
        planNotifications(appWith(sub), undefined, statusAt('failed', '../../../user?x='), [
          { trigger: 'on-sync-failed', service: 'github', recipient: '' },
        ]),
      ];
      const results = await notifier.deliver(bad.flatMap((p) => p.due));
      expect(results.map((r) => r.ok)).toEqual([false, false]);
      expect(gh.requests).toEqual([]);
    } finally {
      await gh.close();
    }
  });

  test('the configuration refuses inline secrets and unknown keys, naming them', () => {
    expect(() => parseNotificationConfig(`service.github: {tokenSecret: t, token: ghp_x}`)).toThrow(
      /service.github: token is a secret/,
    );
    expect(() => parseNotificationConfig(`service.slack: {webhookURL: "https://hooks.slack.com/x"}`)).toThrow(
      /service.slack: webhookURL is a secret/,
    );
    expect(() => parseNotificationConfig(`trigger.on-sync-failed: {}`)).toThrow(
      /trigger.on-sync-failed: unknown key/,
    );
    expect(() => parseNotificationConfig(`service.webhook.ops: {url: "file:///etc/passwd"}`)).toThrow(
      /must be http/,
    );
    const cm = parseNotificationConfig(`
apiVersion: v1
kind: ConfigMap
metadata: {name: argocd-notifications-cm}
data:
  service.slack: |
    webhookURLSecret: slack-url
  template.on-deployed: |
    message: "{{app.name}} is live"
`);
    expect(cm).toEqual({
      slack: { webhookURLSecret: 'slack-url' },
      webhooks: {},
      templates: { 'on-deployed': '{{app.name}} is live' },
    });
  });
});
