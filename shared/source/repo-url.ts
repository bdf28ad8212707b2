// Kept apart from git.ts so the webhook function can match repos without bundling a git client.

/** A repo URL in one canonical form, for cache keys and matching webhooks to apps. */
export function normalizeRepoUrl(url: string): string {
  const u = new URL(url.trim());
  u.username = '';
  u.password = '';
  u.hash = '';
  u.search = '';
  return `${u.protocol}//${u.host.toLowerCase()}${u.pathname
    .replace(/\/+$/, '')
    .replace(/\.git$/, '')
    .toLowerCase()}`;
}
