// The links an app has to other apps, by name: its parent (app of apps), the apps it depends on
// (`gitferry.dev/depends-on`) and the stage it is promoted after (`gitferry.dev/promote-after`);
// and to the Git repositories it renders from (`repo`, by repoLinkTarget). Stores index apps by
// them, so "the children of X", "the apps waiting for X", "the stages after X" and "the apps a
// push to repository R may concern" are read without parsing every app (StateStore.listLinkedApps).
import { createHash } from 'node:crypto';
import type { App } from './app.js';
import { dependsOn } from './app-dependencies.js';
import { promotionOf } from './delivery-annotations.js';
import { repoMatchKey } from './repo-url.js';

export type AppLink = 'parent' | 'dependsOn' | 'promoteAfter' | 'repo';

export const appLinks: readonly AppLink[] = ['parent', 'dependsOn', 'promoteAfter', 'repo'];

/**
 * The `repo` link's target for a Git repository URL: a digest of its repoMatchKey (32 hex), so
 * every spelling that matches the same repository links the same, and a URL of any length makes a
 * short key. Undefined for a URL that matches nothing (not canonical-able, as appsForPush decides).
 */
export function repoLinkTarget(url: string): string | undefined {
  let key: string;
  try {
    key = repoMatchKey(url);
  } catch {
    return undefined;
  }
  return createHash('sha256').update(key).digest('hex').slice(0, 32);
}

export interface AppLinkRow {
  link: AppLink;
  /** The app linked to. */
  target: string;
}

/** Every link of `app`, each once. */
export function appLinksOf(app: Pick<App, 'name' | 'parent' | 'annotations' | 'sources'>): AppLinkRow[] {
  const rows: AppLinkRow[] = [];
  if (typeof app.parent === 'string' && app.parent !== '') rows.push({ link: 'parent', target: app.parent });
  for (const target of dependsOn(app)) rows.push({ link: 'dependsOn', target });
  const promotion = promotionOf(app);
  if (promotion) rows.push({ link: 'promoteAfter', target: promotion.after });
  // Git sources only: a chart repository is never pushed to.
  const repos = new Set<string>();
  for (const source of app.sources ?? []) {
    const target = source.chart ? undefined : repoLinkTarget(source.repoURL);
    if (!target || repos.has(target)) continue;
    repos.add(target);
    rows.push({ link: 'repo', target });
  }
  return rows;
}

/** Whether `app` links to `target` through `link` (what an index lookup is checked against). */
export function linksTo(app: App, link: AppLink, target: string): boolean {
  return appLinksOf(app).some((r) => r.link === link && r.target === target);
}
