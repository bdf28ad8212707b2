// Safer delivery, as annotations on an Argo CD Application (Argo's Application has no fields for
// these, so an Argo user's manifests stay valid):
// - `gitferry.dev/auto-rollback: "10m"`: if the app turns Degraded (or a PostSync hook fails)
//   within 10 minutes of a sync, Gitferry syncs the last revision that was Healthy and pins it.
// - `gitferry.dev/promote-after: staging` with `gitferry.dev/soak: "5m"`: a staged rollout; the app
//   follows the revision `staging` has been Synced and Healthy on for 5 minutes, not the branch head.
import type { App } from './app.js';
import { parseDuration } from './sync-window.js';

export const autoRollbackAnnotation = 'gitferry.dev/auto-rollback';
export const promoteAfterAnnotation = 'gitferry.dev/promote-after';
export const soakAnnotation = 'gitferry.dev/soak';

/** Bounds on what a tenant may write: a day to watch for Degraded, a week of soak. */
export const maxAutoRollbackMs = 24 * 3_600_000;
export const maxSoakMs = 7 * 24 * 3_600_000;
const appName = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why one of the annotations is invalid, or undefined when they are valid (or absent). */
export function deliveryAnnotationsProblem(
  name: string,
  annotations: Record<string, unknown>,
): string | undefined {
  const at = (key: string) => `metadata.annotations["${key}"]`;
  const rollback = annotations[autoRollbackAnnotation];
  if (rollback !== undefined) {
    const ms = parseDuration(rollback);
    if (ms === undefined || ms <= 0 || ms > maxAutoRollbackMs)
      return `${at(autoRollbackAnnotation)} must be a duration such as 10m, 1h30m (at most 24h)`;
  }
  const after = annotations[promoteAfterAnnotation];
  const soak = annotations[soakAnnotation];
  if (after !== undefined) {
    if (typeof after !== 'string' || after.length > 253 || !appName.test(after))
      return `${at(promoteAfterAnnotation)}: ${JSON.stringify(String(after).slice(0, 64))} is not an app name`;
    if (after === name) return `${at(promoteAfterAnnotation)}: an app cannot be promoted after itself`;
  }
  if (soak !== undefined) {
    if (after === undefined) return `${at(soakAnnotation)} needs ${at(promoteAfterAnnotation)}`;
    const ms = parseDuration(soak);
    if (ms === undefined || ms > maxSoakMs)
      return `${at(soakAnnotation)} must be a duration such as 5m, 1h (at most 168h)`;
  }
  return undefined;
}

/** The window after a sync in which Degraded rolls the app back, or undefined without the annotation. */
export function autoRollbackWindowMs(app: Pick<App, 'annotations'>): number | undefined {
  const ms = parseDuration(app.annotations?.[autoRollbackAnnotation]);
  return ms !== undefined && ms > 0 && ms <= maxAutoRollbackMs ? ms : undefined;
}

/** The stage this app is promoted after, and for how long it must be Healthy first (0 without a soak). */
export function promotionOf(
  app: Pick<App, 'annotations' | 'name'>,
): { after: string; soakMs: number } | undefined {
  const after = app.annotations?.[promoteAfterAnnotation];
  if (typeof after !== 'string' || !appName.test(after) || after === app.name) return undefined;
  const soakMs = parseDuration(app.annotations?.[soakAnnotation]) ?? 0;
  return { after, soakMs: Math.min(soakMs, maxSoakMs) };
}
