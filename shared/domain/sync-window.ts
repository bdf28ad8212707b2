// Argo CD's AppProject `spec.syncWindows`: when apps of the project may sync. A window is `allow`
// or `deny`, opens at each firing of its cron schedule (in its time zone) and stays open for its
// duration; it concerns the apps its selectors match. As Argo CD decides:
// - a deny window that is open blocks syncs (a manual sync passes if every open deny window
//   has manualSync);
// - otherwise, if the app has allow windows, it syncs only while one is open (a manual sync
//   passes if a closed allow window has manualSync);
// - with no windows, it syncs at any time.
import { lastFiring, nextFiring, parseCron, isTimeZone, type CronSchedule } from './cron.js';
import { compileGlob } from './glob.js';

export interface SyncWindow {
  kind: 'allow' | 'deny';
  schedule: string;
  /** As written, e.g. `1h30m`. */
  duration: string;
  durationMs: number;
  timeZone: string;
  applications: string[];
  namespaces: string[];
  clusters: string[];
  manualSync: boolean;
  /** All non-empty selector lists must match (Argo CD's andOperator), rather than any one. */
  andOperator: boolean;
}

/** A window is at most this long: a week (longer ones are refused, so searches stay bounded). */
export const maxWindowMs = 7 * 24 * 3_600_000;
const maxWindows = 50;
const maxSelectors = 100;
const windowFields = [
  'kind',
  'schedule',
  'duration',
  'timeZone',
  'applications',
  'namespaces',
  'clusters',
  'manualSync',
  'andOperator',
  'description',
];

/** Go-style durations as Argo CD takes them: `1h`, `30m`, `1h30m`, `90s` (whole units). */
export function parseDuration(text: unknown): number | undefined {
  if (typeof text !== 'string' || text.length > 32 || !/^(\d{1,6}[hms])+$/.test(text)) return undefined;
  const unit = { h: 3_600_000, m: 60_000, s: 1000 } as Record<string, number>;
  let ms = 0;
  for (const [, n, u] of text.matchAll(/(\d+)([hms])/g)) ms += Number(n) * unit[u!]!;
  return ms;
}

/** Parses `spec.syncWindows`; `fail(message)` builds the error (naming the project). */
export function parseSyncWindows(raw: unknown, fail: (msg: string) => Error): SyncWindow[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw fail('spec.syncWindows must be a list');
  if (raw.length > maxWindows) throw fail(`spec.syncWindows has more than ${maxWindows} windows`);
  return raw.map((w: unknown, i) => {
    const at = `spec.syncWindows[${i}]`;
    if (typeof w !== 'object' || w === null || Array.isArray(w)) throw fail(`${at} must be an object`);
    const o = w as Record<string, unknown>;
    const unknown = Object.keys(o).find((k) => !windowFields.includes(k));
    if (unknown !== undefined) throw fail(`${at}.${unknown.slice(0, 64)} is not a sync window field`);
    if (o.kind !== 'allow' && o.kind !== 'deny') throw fail(`${at}.kind must be allow or deny`);
    try {
      parseCron(o.schedule);
    } catch (err) {
      throw fail(`${at}.schedule: ${(err as Error).message}`);
    }
    const durationMs = parseDuration(o.duration);
    if (durationMs === undefined) throw fail(`${at}.duration must be a duration such as 1h, 30m or 1h30m`);
    if (durationMs < 60_000 || durationMs > maxWindowMs)
      throw fail(`${at}.duration must be between 1m and 168h`);
    const timeZone = o.timeZone === undefined || o.timeZone === '' ? 'UTC' : o.timeZone;
    if (!isTimeZone(timeZone)) throw fail(`${at}.timeZone must be an IANA time zone such as Europe/Paris`);
    const selectors = (key: 'applications' | 'namespaces' | 'clusters'): string[] => {
      const v = o[key];
      if (v === undefined || v === null) return [];
      if (!Array.isArray(v) || v.length > maxSelectors)
        throw fail(`${at}.${key} must be a list of at most ${maxSelectors} globs`);
      return v.map((g, j) => {
        if (typeof g !== 'string' || g === '') throw fail(`${at}.${key}[${j}] must be a non-empty string`);
        try {
          compileGlob(g);
        } catch (err) {
          throw fail(`${at}.${key}[${j}]: ${(err as Error).message}`);
        }
        return g;
      });
    };
    for (const flag of ['manualSync', 'andOperator'] as const)
      if (o[flag] !== undefined && typeof o[flag] !== 'boolean')
        throw fail(`${at}.${flag} must be true or false`);
    return {
      kind: o.kind,
      schedule: (o.schedule as string).trim(),
      duration: o.duration as string,
      durationMs,
      timeZone,
      applications: selectors('applications'),
      namespaces: selectors('namespaces'),
      clusters: selectors('clusters'),
      manualSync: o.manualSync === true,
      andOperator: o.andOperator === true,
    };
  });
}

/** What a window's selectors look at. */
export interface WindowSubject {
  app: string;
  namespace: string;
  /** The destination's cluster name and server (either may match). */
  clusters: string[];
}

/** Whether a window concerns the app (a window with no selectors concerns none, as in Argo CD). */
export function windowMatches(w: SyncWindow, s: WindowSubject): boolean {
  const tests: boolean[] = [];
  const any = (globs: string[], values: string[]) => globs.some((g) => values.some((v) => compileGlob(g)(v)));
  if (w.applications.length) tests.push(any(w.applications, [s.app]));
  if (w.namespaces.length) tests.push(any(w.namespaces, [s.namespace]));
  if (w.clusters.length) tests.push(any(w.clusters, s.clusters));
  if (tests.length === 0) return false;
  return w.andOperator ? tests.every(Boolean) : tests.some(Boolean);
}

const schedules = new Map<string, CronSchedule>();
function scheduleOf(w: SyncWindow): CronSchedule {
  let s = schedules.get(w.schedule);
  if (!s) {
    s = parseCron(w.schedule);
    if (schedules.size > 1000) schedules.clear();
    schedules.set(w.schedule, s);
  }
  return s;
}

/** When the window's current opening ends, if it is open at `at`. */
export function openUntil(w: SyncWindow, at: number): number | undefined {
  const start = lastFiring(scheduleOf(w), w.timeZone, at, w.durationMs);
  return start !== undefined && at < start + w.durationMs ? start + w.durationMs : undefined;
}

export type WindowVerdict =
  | { open: true }
  | {
      open: false;
      /** Names the window(s) that keep the app from syncing. */
      reason: string;
      /** When syncing is next allowed (epoch ms), if within the search horizon. */
      opensAt?: number;
    };

const describe = (w: SyncWindow) => `${w.kind} window "${w.schedule}" for ${w.duration} (${w.timeZone})`;

/** Whether a sync (manual or automated) may start at `at`, given the windows matching the app. */
export function windowVerdict(windows: SyncWindow[], manual: boolean, at: number): WindowVerdict {
  const closed = closedBy(windows, manual, at);
  if (!closed) return { open: true };
  const opensAt = nextOpening(windows, manual, at);
  return { open: false, reason: closed, ...(opensAt !== undefined ? { opensAt } : {}) };
}

function closedBy(windows: SyncWindow[], manual: boolean, at: number): string | undefined {
  if (windows.length === 0) return undefined;
  const denies = windows.filter((w) => w.kind === 'deny' && openUntil(w, at) !== undefined);
  if (denies.length > 0) {
    if (manual && denies.every((w) => w.manualSync)) return undefined;
    return describe(denies[0]!);
  }
  const allows = windows.filter((w) => w.kind === 'allow');
  if (allows.length === 0 || allows.some((w) => openUntil(w, at) !== undefined)) return undefined;
  if (manual && allows.some((w) => w.manualSync)) return undefined;
  return `no allow window is open (${describe(allows[0]!)})`;
}

/** Looks ahead this far for the window to open. */
const horizonMs = 366 * 24 * 3_600_000;

/** The next instant syncing is allowed: ends of open deny windows and starts of allow windows. */
function nextOpening(windows: SyncWindow[], manual: boolean, at: number): number | undefined {
  let t = at;
  for (let i = 0; i < 20 && t <= at + horizonMs; i++) {
    if (!closedBy(windows, manual, t)) return t;
    const denyEnds = windows
      .filter((w) => w.kind === 'deny')
      .map((w) => openUntil(w, t))
      .filter((x): x is number => x !== undefined);
    if (denyEnds.length > 0) {
      t = Math.max(...denyEnds);
      continue;
    }
    const starts = windows
      .filter((w) => w.kind === 'allow')
      .map((w) => nextFiring(scheduleOf(w), w.timeZone, t, at + horizonMs - t))
      .filter((x): x is number => x !== undefined);
    if (starts.length === 0) return undefined;
    t = Math.min(...starts);
  }
  return undefined;
}
