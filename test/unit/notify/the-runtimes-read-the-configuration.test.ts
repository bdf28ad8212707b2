import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awsConfigFromEnv } from '../../../shared/runtime/aws-config.js';
import { buildNotifier, readNotificationsFile } from '../../../shared/runtime/notifier.js';
import { secretsOf } from './fixtures.js';

describe('the runtimes read the notifications configuration', () => {
  test('serve reads --notifications FILE; a missing or invalid file is an error naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gitferry-notify-config-'));
    try {
      const file = join(dir, 'notifications.yaml');
      writeFileSync(
        file,
        'service.slack: {webhookURLSecret: slack}\nservice.webhook.ops: {url: "https://h.example.com/x"}\n',
      );
      expect(buildNotifier(readNotificationsFile(file), secretsOf({}), {})?.services()).toEqual([
        'slack',
        'ops',
      ]);
      expect(() => readNotificationsFile(join(dir, 'nope.yaml'))).toThrow(
        /notifications config .*nope\.yaml/,
      );
      writeFileSync(file, 'service.slack: {webhookURL: "https://hooks.slack.com/services/T/B/X"}\n');
      expect(() => buildNotifier(readNotificationsFile(file), secretsOf({}), {})).toThrow(
        /service.slack: webhookURL is a secret/,
      );
      expect(buildNotifier(undefined, secretsOf({}), {})).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('AWS reads GITFERRY_NOTIFICATIONS as JSON or YAML text', () => {
    const env = { GITFERRY_TABLE: 't', GITFERRY_QUEUE_URL: 'q' };
    expect(awsConfigFromEnv(env).notifications).toBeUndefined();
    const json = JSON.stringify({ 'service.github': { tokenSecret: 'gitferry/notifications/github' } });
    const config = awsConfigFromEnv({ ...env, GITFERRY_NOTIFICATIONS: json });
    expect(buildNotifier(config.notifications, secretsOf({}), {})?.services()).toEqual(['github']);
  });
});
