// Pull-request previews are configured in the notifications file (docs/notifications.md), under
// the key `preview`: which providers post previews, with which token (a secret's name, never the
// token), and whether PRs from forks are previewed. Without the key, nothing is previewed.
import yaml from 'js-yaml';
import { NotificationConfigError } from '../notify/config.js';

export interface PreviewProviderSettings {
  /** API base: https://api.github.com (GitHub Enterprise https://HOST/api/v3), https://gitlab.com/api/v4. */
  apiURL: string;
  /** Name of the secret holding the token. */
  tokenSecret: string;
  /**
   * Only comments by this user (login or username) are taken for the preview's own comment and
   * edited; without it, any comment starting with the preview's marker is.
   */
  commentAuthor?: string;
}

export interface PreviewSettings {
  /** Preview PRs whose head is in another repository (a fork): their manifests reach the cluster's dry run. Default false. */
  forks: boolean;
  /** GitHub: a commit status (any token) or a check run (a GitHub App's installation token). Default status. */
  githubReport: 'status' | 'check-run';
  github?: PreviewProviderSettings;
  gitlab?: PreviewProviderSettings;
  /** The comment's size bound in bytes (default 60,000; at most 65,000). */
  maxCommentBytes: number;
}

function fail(key: string, why: string): never {
  throw new NotificationConfigError('notify:invalid-config', `notifications config ${key}: ${why}`);
}

function mapOf(key: string, value: unknown): Record<string, unknown> {
  const v = typeof value === 'string' ? yaml.load(value, { schema: yaml.JSON_SCHEMA }) : value;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(key, 'must be a map');
  return v as Record<string, unknown>;
}

function apiUrl(key: string, v: unknown): string {
  if (typeof v !== 'string') fail(key, 'apiURL must be a string');
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    fail(key, 'apiURL is not a URL');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') fail(key, 'apiURL must be http(s)');
  if (u.username || u.password || u.search || u.hash)
    fail(key, 'apiURL has no credentials, query or fragment');
  return v.replace(/\/+$/, '');
}

function provider(
  key: string,
  value: unknown,
  defaults: { apiURL: string; tokenSecret?: string },
): PreviewProviderSettings {
  const o = value === undefined || value === true ? {} : mapOf(key, value);
  for (const k of Object.keys(o)) {
    if (k === 'token') fail(key, 'token is a secret: name a secret in the secret store (tokenSecret)');
    if (!['apiURL', 'tokenSecret', 'commentAuthor'].includes(k))
      fail(key, `unknown field ${k} (known: apiURL, tokenSecret, commentAuthor)`);
  }
  const tokenSecret = o.tokenSecret ?? defaults.tokenSecret;
  if (typeof tokenSecret !== 'string' || tokenSecret === '') fail(key, 'tokenSecret is required');
  const author = o.commentAuthor;
  if (author !== undefined && (typeof author !== 'string' || !/^[A-Za-z0-9_.\-[\]]{1,100}$/.test(author)))
    fail(key, 'commentAuthor must be a user name');
  return {
    apiURL: apiUrl(key, o.apiURL ?? defaults.apiURL),
    tokenSecret,
    ...(author ? { commentAuthor: author } : {}),
  };
}

/**
 * The preview settings in the notifications configuration text (the bare map or a ConfigMap), or
 * undefined when it has no `preview` key. GitHub's token and API default to `service.github`'s.
 */
export function parsePreviewSettings(text: string | undefined): PreviewSettings | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  let map = mapOf('(top level)', yaml.load(text, { schema: yaml.JSON_SCHEMA }) ?? {});
  if (map.kind === 'ConfigMap') map = mapOf('data', map.data ?? {});
  if (map.preview === undefined) return undefined;
  const p = mapOf('preview', map.preview);
  const known = ['github', 'gitlab', 'forks', 'githubReport', 'maxCommentBytes'];
  for (const k of Object.keys(p))
    if (!known.includes(k)) fail('preview', `unknown field ${k} (known: ${known.join(', ')})`);
  const service = map['service.github'] === undefined ? {} : mapOf('service.github', map['service.github']);
  if (p.forks !== undefined && typeof p.forks !== 'boolean') fail('preview', 'forks must be true or false');
  if (p.githubReport !== undefined && p.githubReport !== 'status' && p.githubReport !== 'check-run')
    fail('preview', 'githubReport must be status or check-run');
  const max = p.maxCommentBytes ?? 60_000;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 2_000 || max > 65_000)
    fail('preview', 'maxCommentBytes must be an integer from 2000 to 65000');
  const settings: PreviewSettings = {
    forks: p.forks === true,
    githubReport: p.githubReport === 'check-run' ? 'check-run' : 'status',
    maxCommentBytes: max,
  };
  if (p.github !== undefined && p.github !== false)
    settings.github = provider('preview.github', p.github, {
      apiURL: typeof service.apiURL === 'string' ? service.apiURL : 'https://api.github.com',
      tokenSecret: typeof service.tokenSecret === 'string' ? service.tokenSecret : undefined,
    });
  if (p.gitlab !== undefined && p.gitlab !== false)
    settings.gitlab = provider('preview.gitlab', p.gitlab, { apiURL: 'https://gitlab.com/api/v4' });
  if (!settings.github && !settings.gitlab) fail('preview', 'names no provider (github, gitlab)');
  return settings;
}
