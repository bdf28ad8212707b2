// Message templates: `{{app.name}}`-style placeholders replaced by values, nothing evaluated. One
// pass: a value that itself holds `{{…}}` (a commit message, a tenant's app name) stays as text.
import type { Notification } from '../ports/notifier.js';

/** Longest message a template may produce; the rest is cut with an ellipsis. */
export const maxMessageLength = 4000;

const placeholder = /\{\{\s*(\.?[A-Za-z][A-Za-z0-9_.-]{0,63})\s*\}\}/g;

/**
 * Argo CD's template fields (Go templates over the Application), accepted as names so that
 * messages written for argocd-notifications render here too; only these, nothing is evaluated.
 */
export const argoFieldAliases: Record<string, string> = {
  '.app.metadata.name': 'app.name',
  '.app.spec.project': 'app.project',
  '.app.spec.source.repoURL': 'app.repoURL',
  '.app.spec.destination.name': 'app.cluster',
  '.app.spec.destination.server': 'app.cluster',
  '.app.spec.destination.namespace': 'app.namespace',
  '.app.status.sync.status': 'sync.status',
  '.app.status.sync.revision': 'revision',
  '.app.status.health.status': 'health.status',
  '.app.status.health.message': 'health.message',
  '.app.status.operationState.phase': 'phase',
  '.app.status.operationState.message': 'message',
  '.app.status.operationState.syncResult.revision': 'revision',
  '.recipient': 'recipient',
};

/** The values a template may name. */
export function templateValues(n: Notification): Record<string, string> {
  const s = n.status;
  return {
    'app.name': n.app,
    'app.project': n.project,
    'app.repoURL': n.repoURL,
    'app.cluster': n.cluster ?? '',
    'app.namespace': n.namespace ?? '',
    trigger: n.trigger,
    service: n.service,
    recipient: n.recipient,
    revision: n.revision,
    phase: s.operation?.phase ?? '',
    message: s.operation?.message ?? '',
    'sync.status': s.sync.status,
    'health.status': s.health.status,
    'health.message': s.health.message ?? '',
  };
}

/** `text` with each known placeholder replaced (unknown ones become empty), bounded. */
export function renderTemplate(text: string, values: Record<string, string>, max = maxMessageLength): string {
  const out = text.replace(placeholder, (_, written: string) => {
    const name = Object.hasOwn(argoFieldAliases, written) ? argoFieldAliases[written]! : written;
    return Object.hasOwn(values, name) ? values[name]! : '';
  });
  return cutText(out, max);
}

/** `text` cut to `max` characters with an ellipsis (a rendered message is never rendered again). */
export function cutText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Messages when the configuration names no `template.<trigger>`. */
export const defaultTemplates: Record<Notification['trigger'], string> = {
  'on-sync-running': 'Application {{app.name}} is syncing revision {{revision}}.',
  'on-sync-succeeded': 'Application {{app.name}} synced revision {{revision}}: {{message}}',
  'on-sync-failed': 'Application {{app.name}} failed to sync revision {{revision}}: {{message}}',
  'on-health-degraded': 'Application {{app.name}} is Degraded at revision {{revision}}: {{health.message}}',
  'on-deployed': 'Application {{app.name}} is deployed: revision {{revision}} is synced and healthy.',
  'on-sync-status-unknown': 'Application {{app.name}} sync status is Unknown at revision {{revision}}.',
  'on-rollback': 'Application {{app.name}} is being rolled back automatically to revision {{revision}}.',
};
