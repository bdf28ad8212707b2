// The installation's notification services and templates, in the shape of Argo CD's
// argocd-notifications-cm: `service.github` (commit statuses; a token or a GitHub App),
// `service.github-deployment` (Deployments, authenticated as service.github), `service.gitlab`,
// `service.slack`, `service.webhook.<name>`, `template.<trigger>`. A ConfigMap (its `data`) or the bare map, in YAML or JSON; each value may
// be an object or a YAML string (as in a ConfigMap). Secrets are referenced by name (the secret
// store holds them), never inline.
import yaml from 'js-yaml';
import { GitferryError } from '../domain/errors.js';
import { triggerNames, type TriggerName } from '../ports/notifier.js';

/** The notifications configuration is invalid; the message names the key. */
export class NotificationConfigError extends GitferryError {
  override name = 'NotificationConfigError';
}

export interface GithubServiceConfig {
  /** API base (default https://api.github.com; GitHub Enterprise: https://HOST/api/v3). */
  apiURL: string;
  /** Name of the secret holding a token with "Commit statuses: write" (or set `app`). */
  tokenSecret?: string;
  /** A GitHub App instead of a token (Argo CD's appID, installationID, privateKey). */
  app?: {
    appID: number;
    /** Name of the secret holding the App's private key (PEM). */
    privateKeySecret: string;
    /** Looked up per repository when unset (GET /repos/{owner}/{repo}/installation). */
    installationID?: number;
  };
  /** Template of the status's target URL (default none). */
  targetURL?: string;
  /** Template of the status's context (default `gitferry/{{app.name}}`). */
  context: string;
}

export interface GithubDeploymentServiceConfig {
  /** Template of the environment name (default `{{app.cluster}}/{{app.name}}`). */
  environment: string;
  /** Template of the deployment status's environment_url (default service.github's targetURL). */
  environmentURL?: string;
  /** Template of the deployment status's log_url (default service.github's targetURL). */
  logURL?: string;
}

export interface GitlabServiceConfig {
  /** API base (default https://gitlab.com/api/v4; self-hosted: https://HOST[/PATH]/api/v4). */
  apiURL: string;
  /** Name of the secret holding a token with the `api` scope (Developer role or more). */
  tokenSecret: string;
  /** `private-token` (PRIVATE-TOKEN header, the default) or `bearer` (Authorization: Bearer, OAuth). */
  authHeader: 'private-token' | 'bearer';
  /** Template of the status's name (default `gitferry/{{app.name}}`). */
  name: string;
  /** Template of the status's target URL (default none). */
  targetURL?: string;
}

export interface SlackServiceConfig {
  /** Name of the secret holding the incoming webhook URL. */
  webhookURLSecret: string;
}

export interface WebhookServiceConfig {
  url: string;
  /** Name of the secret whose value signs the body (X-Gitferry-Signature-256); unsigned without. */
  secret?: string;
}

export interface NotificationConfig {
  github?: GithubServiceConfig;
  githubDeployment?: GithubDeploymentServiceConfig;
  gitlab?: GitlabServiceConfig;
  slack?: SlackServiceConfig;
  webhooks: Record<string, WebhookServiceConfig>;
  /** Message per trigger (`template.<trigger>: { message }`). */
  templates: Partial<Record<TriggerName, string>>;
}

export const emptyNotificationConfig: NotificationConfig = { webhooks: {}, templates: {} };

/** Service names that are not webhooks. */
const builtinServices = ['github', 'github-deployment', 'gitlab', 'slack'];

const nameRe = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

function fail(key: string, why: string): never {
  throw new NotificationConfigError('notify:invalid-config', `notifications config ${key}: ${why}`);
}

function objectOf(key: string, value: unknown): Record<string, unknown> {
  const v = typeof value === 'string' ? yaml.load(value, { schema: yaml.JSON_SCHEMA }) : value;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(key, 'must be a map');
  return v as Record<string, unknown>;
}

function fields(key: string, o: Record<string, unknown>, allowed: string[], inlineSecrets: string[]) {
  for (const k of Object.keys(o)) {
    if (inlineSecrets.includes(k)) fail(key, `${k} is a secret: name a secret in the secret store instead`);
    if (!allowed.includes(k)) fail(key, `unknown field ${k} (known: ${allowed.join(', ')})`);
  }
  const str = (k: string, required: boolean): string | undefined => {
    const v = o[k];
    if (v === undefined) return required ? fail(key, `${k} is required`) : undefined;
    if (typeof v !== 'string' || v === '') fail(key, `${k} must be a non-empty string`);
    return v;
  };
  return str;
}

/** A positive integer given as a number or a string of digits (YAML reads `appID: 123` as a number). */
function idOf(key: string, field: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && /^[0-9]{1,15}$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n <= 0)
    fail(key, `${field} must be a positive integer`);
  return n;
}

function httpUrl(key: string, field: string, v: string): string {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    fail(key, `${field} is not a URL`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') fail(key, `${field} must be http(s)`);
  return v.replace(/\/+$/, '');
}

/** Parses the configuration text (YAML or JSON); an empty text configures nothing. */
export function parseNotificationConfig(text: string): NotificationConfig {
  let doc: unknown;
  try {
    doc = text.trim() === '' ? {} : yaml.load(text, { schema: yaml.JSON_SCHEMA });
  } catch (err) {
    throw new NotificationConfigError(
      'notify:invalid-config',
      `notifications config: ${(err as Error).message}`,
    );
  }
  if (doc === null || doc === undefined) doc = {};
  let map = objectOf('(top level)', doc);
  if (map.kind === 'ConfigMap') map = objectOf('data', map.data ?? {});
  const config: NotificationConfig = { webhooks: {}, templates: {} };
  for (const [key, value] of Object.entries(map)) {
    // Pull-request previews: read by shared/preview/config.ts.
    if (key === 'preview') continue;
    const o = objectOf(key, value);
    if (key === 'service.github') {
      const { appID, installationID, ...rest } = o;
      const str = fields(
        key,
        rest,
        ['apiURL', 'tokenSecret', 'privateKeySecret', 'targetURL', 'context'],
        ['token', 'appPrivateKey', 'privateKey'],
      );
      const tokenSecret = str('tokenSecret', false);
      const privateKeySecret = str('privateKeySecret', false);
      const app = idOf(key, 'appID', appID);
      const installation = idOf(key, 'installationID', installationID);
      if (tokenSecret && (app || privateKeySecret))
        fail(key, 'set tokenSecret or a GitHub App (appID, privateKeySecret), not both');
      if (!tokenSecret && !(app && privateKeySecret))
        fail(key, 'tokenSecret, or appID and privateKeySecret (a GitHub App), is required');
      if (installation && !app) fail(key, 'installationID needs appID');
      config.github = {
        apiURL: httpUrl(key, 'apiURL', str('apiURL', false) ?? 'https://api.github.com'),
        ...(tokenSecret ? { tokenSecret } : {}),
        ...(app && privateKeySecret
          ? {
              app: {
                appID: app,
                privateKeySecret,
                ...(installation ? { installationID: installation } : {}),
              },
            }
          : {}),
        targetURL: str('targetURL', false),
        context: str('context', false) ?? 'gitferry/{{app.name}}',
      };
    } else if (key === 'service.github-deployment') {
      const str = fields(key, o, ['environment', 'environmentURL', 'logURL'], []);
      config.githubDeployment = {
        environment: str('environment', false) ?? '{{app.cluster}}/{{app.name}}',
        environmentURL: str('environmentURL', false),
        logURL: str('logURL', false),
      };
    } else if (key === 'service.gitlab') {
      const str = fields(key, o, ['apiURL', 'tokenSecret', 'authHeader', 'name', 'targetURL'], ['token']);
      const authHeader = str('authHeader', false) ?? 'private-token';
      if (authHeader !== 'private-token' && authHeader !== 'bearer')
        fail(key, 'authHeader is private-token or bearer');
      config.gitlab = {
        apiURL: httpUrl(key, 'apiURL', str('apiURL', false) ?? 'https://gitlab.com/api/v4'),
        tokenSecret: str('tokenSecret', true)!,
        authHeader,
        name: str('name', false) ?? 'gitferry/{{app.name}}',
        targetURL: str('targetURL', false),
      };
    } else if (key === 'service.slack') {
      const str = fields(key, o, ['webhookURLSecret'], ['webhookURL', 'token']);
      config.slack = { webhookURLSecret: str('webhookURLSecret', true)! };
    } else if (key.startsWith('service.webhook.')) {
      const name = key.slice('service.webhook.'.length);
      if (!nameRe.test(name) || builtinServices.includes(name))
        fail(key, `a webhook name is a DNS label other than ${builtinServices.join(', ')}`);
      const str = fields(key, o, ['url', 'secret'], ['headers', 'signingKey']);
      config.webhooks[name] = { url: httpUrl(key, 'url', str('url', true)!), secret: str('secret', false) };
    } else if (key.startsWith('template.')) {
      const trigger = key.slice('template.'.length) as TriggerName;
      if (!triggerNames.includes(trigger))
        fail(key, `templates are named after a trigger (${triggerNames.join(', ')})`);
      const str = fields(key, o, ['message'], []);
      config.templates[trigger] = str('message', true)!;
    } else {
      fail(
        key,
        'unknown key (known: service.github, service.github-deployment, service.gitlab, service.slack, service.webhook.<name>, template.<trigger>)',
      );
    }
  }
  if (config.githubDeployment && !config.github)
    fail('service.github-deployment', 'needs service.github (its API URL and credentials)');
  return config;
}

/** The service names subscriptions may use under this configuration. */
export function configuredServices(config: NotificationConfig): string[] {
  return [
    ...(config.github ? ['github'] : []),
    ...(config.githubDeployment ? ['github-deployment'] : []),
    ...(config.gitlab ? ['gitlab'] : []),
    ...(config.slack ? ['slack'] : []),
    ...Object.keys(config.webhooks),
  ];
}
