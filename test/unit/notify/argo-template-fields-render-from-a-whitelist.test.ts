import { parseNotificationConfig } from '../../../shared/notify/config.js';
import { HttpNotifier } from '../../../shared/notify/notifier.js';
import { planNotifications, subscriptionsOf } from '../../../shared/notify/plan.js';
import { renderTemplate, templateValues } from '../../../shared/notify/template.js';
import { appWith, secretsOf, sha, statusAt } from './fixtures.js';
import { startReceiver } from './receiver.js';

// Messages written for argocd-notifications name the Application's fields (`{{.app.metadata.name}}`):
// the whitelisted ones render, anything else (other fields, Go template actions, functions,
// pipelines) renders empty or stays text. Nothing is evaluated.
describe("Argo CD's template fields render from a whitelist", () => {
  const app = appWith({ 'notifications.argoproj.io/subscribe.on-sync-failed.slack': 'deploys' });
  const n = planNotifications(app, undefined, statusAt('failed'), [
    { trigger: 'on-sync-failed', service: 'slack', recipient: 'deploys' },
  ]).due[0]!;

  test('the Application fields of Argo CD templates render as Gitferry names do', () => {
    expect(
      renderTemplate(
        '{{.app.metadata.name}} ({{.app.spec.project}}) on {{.app.spec.destination.name}}/{{.app.spec.destination.namespace}}: ' +
          '{{.app.status.operationState.phase}} at {{.app.status.operationState.syncResult.revision}} – {{ .app.status.operationState.message }}; to {{.recipient}}',
        templateValues(n),
      ),
    ).toBe(
      `shop (default) on dev/shop: Failed at ${sha} – Deployment/shop/web apply failed: invalid; to deploys`,
    );
  });

  test('other fields, Go template actions, functions and pipelines are not evaluated', () => {
    const values = templateValues(n);
    expect(
      renderTemplate(
        '[{{.app.spec.source.helm.values}}] [{{.context.argocdUrl}}] [{{.app.metadata.annotations}}] ' +
          '[{{range .app.status.resources}}x{{end}}] [{{call .Fn}}] [{{.app.metadata.name | printf "%s"}}] [{{.__proto__}}]',
        values,
      ),
    ).toBe(
      '[] [] [] [{{range .app.status.resources}}x] [{{call .Fn}}] [{{.app.metadata.name | printf "%s"}}] [{{.__proto__}}]',
    );
  });

  test('a template.<trigger> in Argo CD style reaches Slack rendered', async () => {
    const slack = await startReceiver([200]);
    try {
      const notifier = new HttpNotifier(
        parseNotificationConfig(`
service.slack: {webhookURLSecret: s}
template.on-sync-failed: |
  message: "Application {{.app.metadata.name}} sync is {{.app.status.operationState.phase}}. {{.app.status.operationState.message}}"
`),
        secretsOf({ s: `${slack.url}/services/T/B/x` }),
        { guard: { allowedHosts: ['127.0.0.1'] } },
      );
      const plan = planNotifications(
        app,
        undefined,
        statusAt('failed'),
        subscriptionsOf(app, notifier.services()).subscriptions,
      );
      expect((await notifier.deliver(plan.due)).map((r) => r.ok)).toEqual([true]);
      expect(JSON.parse(slack.requests[0]!.body)).toEqual({
        text: 'Application shop sync is Failed. Deployment/shop/web apply failed: invalid',
      });
    } finally {
      await slack.close();
    }
  });
});
