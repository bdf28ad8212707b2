// The links an app has to other apps, by name: its parent (app of apps), the apps it depends on
// (`gitferry.dev/depends-on`) and the stage it is promoted after (`gitferry.dev/promote-after`).
// Stores index apps by them, so "the children of X", "the apps waiting for X" and "the stages
// after X" are read without parsing every app (StateStore.listLinkedApps).
import type { App } from './app.js';
import { dependsOn } from './app-dependencies.js';
import { promotionOf } from './delivery-annotations.js';

export type AppLink = 'parent' | 'dependsOn' | 'promoteAfter';

export const appLinks: readonly AppLink[] = ['parent', 'dependsOn', 'promoteAfter'];

export interface AppLinkRow {
  link: AppLink;
  /** The app linked to. */
  target: string;
}

/** Every link of `app`, each once. */
export function appLinksOf(app: Pick<App, 'name' | 'parent' | 'annotations'>): AppLinkRow[] {
  const rows: AppLinkRow[] = [];
  if (typeof app.parent === 'string' && app.parent !== '') rows.push({ link: 'parent', target: app.parent });
  for (const target of dependsOn(app)) rows.push({ link: 'dependsOn', target });
  const promotion = promotionOf(app);
  if (promotion) rows.push({ link: 'promoteAfter', target: promotion.after });
  return rows;
}

/** Whether `app` links to `target` through `link` (what an index lookup is checked against). */
export function linksTo(app: App, link: AppLink, target: string): boolean {
  return appLinksOf(app).some((r) => r.link === link && r.target === target);
}
