// The notifier of a runtime: the installation's notifications configuration (argocd-notifications-cm
// shape, shared/notify/config.ts) over its secret store, its URLs through the runtime's URL guard.
import { readFileSync } from 'node:fs';
import { NotificationConfigError, parseNotificationConfig } from '../notify/config.js';
import { HttpNotifier } from '../notify/notifier.js';
import type { Notifier } from '../ports/notifier.js';
import type { SecretStore } from '../ports/secret-store.js';
import type { UrlGuardOptions } from '../source/url-guard.js';

/** A notifier for the configuration text, or none when there is none (nothing is sent). */
export function buildNotifier(
  text: string | undefined,
  secrets: SecretStore,
  guard: UrlGuardOptions,
): Notifier | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  return new HttpNotifier(parseNotificationConfig(text), secrets, { guard });
}

/** The configuration file of `gitferry serve --notifications FILE`. */
export function readNotificationsFile(path: string | undefined): string | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new NotificationConfigError(
      'notify:invalid-config',
      `notifications config ${path}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}
