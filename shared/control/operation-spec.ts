// A running operation keeps the spec it started with: the App is copied into the operation when
// it starts, and every later step renders and applies that copy, so a spec changed mid-sync (API,
// CLI, a re-applied manifest) never mixes into a running operation. The change is synced next,
// as Argo CD does: automated sync starts when the source or destination differs from the one last
// synced (a fingerprint kept in the status), not only when the revision moved.
import { createHash } from 'node:crypto';
import type { App } from '../domain/app.js';

/** What a sync is of: the sources and the destination (sync policy changes do not start a sync). */
export function specFingerprintOf(app: App): string {
  const spec = { sources: app.sources, destination: app.destination };
  return createHash('sha256').update(stableJson(spec)).digest('hex').slice(0, 16);
}

/** The spec a step works on: the operation's copy (operations stored before copies existed: the app's). */
export function operationApp(current: App, snapshot: App | undefined): App {
  return snapshot ?? current;
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v !== null && typeof v === 'object')
    return `{${Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}
