// Five-field cron schedules (minute hour day-of-month month day-of-week), as Argo CD's sync
// windows take them: `*`, numbers, ranges `a-b`, steps `*/n` and `a-b/n`, lists `a,b`, and the
// names JAN-DEC and SUN-SAT. Day-of-month and day-of-week combine as in cron: when both are
// restricted (neither starts with `*`), a day matching either one matches.
//
// Times are matched in a time zone (IANA name, through Intl): a schedule says wall-clock minutes.
// Searches step a local hour at a time past hours that cannot match, so they stay cheap.
import { GitferryError } from './errors.js';

export class CronError extends GitferryError {
  override name = 'CronError';
  constructor(message: string) {
    super('cron:invalid', message);
  }
}

export interface CronSchedule {
  minutes: Set<number>;
  hours: Set<number>;
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  /** Day-of-month and day-of-week both restricted: either matches. */
  dayOr: boolean;
}

const monthNames = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const dayNames = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const fields: { name: string; lo: number; hi: number; names?: string[]; namesFrom?: number }[] = [
  { name: 'minute', lo: 0, hi: 59 },
  { name: 'hour', lo: 0, hi: 23 },
  { name: 'day of month', lo: 1, hi: 31 },
  { name: 'month', lo: 1, hi: 12, names: monthNames, namesFrom: 1 },
  { name: 'day of week', lo: 0, hi: 7, names: dayNames, namesFrom: 0 },
];

/** Parses a five-field schedule; throws CronError saying which field is wrong and why. */
export function parseCron(text: unknown): CronSchedule {
  if (typeof text !== 'string') throw new CronError('schedule must be a string');
  if (text.length > 200) throw new CronError('schedule is longer than 200 characters');
  const parts = text.trim().split(/\s+/);
  if (parts.length !== 5)
    throw new CronError(
      `schedule ${JSON.stringify(text)} must have 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`,
    );
  const sets = parts.map((p, i) => parseField(p, fields[i]!, text));
  const weekdays = new Set([...sets[4]!].map((d) => d % 7));
  return {
    minutes: sets[0]!,
    hours: sets[1]!,
    days: sets[2]!,
    months: sets[3]!,
    weekdays,
    dayOr: !parts[2]!.startsWith('*') && !parts[4]!.startsWith('*'),
  };
}

function parseField(part: string, f: (typeof fields)[number], text: string): Set<number> {
  const fail = (why: string) => new CronError(`schedule ${JSON.stringify(text)}: ${f.name} ${why}`);
  const value = (s: string): number => {
    const named = f.names?.indexOf(s.toUpperCase()) ?? -1;
    if (named >= 0) return named + f.namesFrom!;
    if (!/^\d{1,2}$/.test(s)) throw fail(`has ${JSON.stringify(s)}, not a number in ${f.lo}-${f.hi}`);
    const n = Number(s);
    if (n < f.lo || n > f.hi) throw fail(`${n} is outside ${f.lo}-${f.hi}`);
    return n;
  };
  const out = new Set<number>();
  for (const item of part.split(',')) {
    const [range, stepText, extra] = item.split('/');
    if (extra !== undefined || range === undefined || range === '')
      throw fail(`has an invalid item ${JSON.stringify(item)}`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d{1,2}$/.test(stepText) || Number(stepText) === 0)
        throw fail(`has an invalid step ${JSON.stringify(stepText)}`);
      step = Number(stepText);
    }
    let lo: number;
    let hi: number;
    if (range === '*') [lo, hi] = [f.lo, f.hi];
    else if (range.includes('-')) {
      const [a, b, more] = range.split('-');
      if (more !== undefined || !a || !b) throw fail(`has an invalid range ${JSON.stringify(range)}`);
      [lo, hi] = [value(a), value(b)];
      if (hi < lo) throw fail(`has a reversed range ${JSON.stringify(range)}`);
    } else {
      lo = value(range);
      hi = stepText === undefined ? lo : f.hi;
    }
    for (let n = lo; n <= hi; n += step) out.add(n);
  }
  return out;
}

/** Wall-clock fields of an instant in a time zone. */
interface Local {
  month: number;
  day: number;
  weekday: number;
  hour: number;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Whether `zone` is an IANA time zone name Intl knows (bounded, plain characters only). */
export function isTimeZone(zone: unknown): zone is string {
  if (typeof zone !== 'string' || zone.length === 0 || zone.length > 64 || !/^[A-Za-z0-9_+\-/]+$/.test(zone))
    return false;
  try {
    formatterFor(zone);
    return true;
  } catch {
    return false;
  }
}

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      month: 'numeric',
      day: 'numeric',
      weekday: 'short',
      hour: 'numeric',
      minute: 'numeric',
    });
    if (formatters.size > 500) formatters.clear();
    formatters.set(zone, f);
  }
  return f;
}

const weekdayIndex: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

function localOf(ms: number, zone: string): Local {
  const out: Local = { month: 0, day: 0, weekday: 0, hour: 0, minute: 0 };
  for (const p of formatterFor(zone).formatToParts(ms)) {
    if (p.type === 'weekday') out.weekday = weekdayIndex[p.value] ?? 0;
    else if (p.type === 'month' || p.type === 'day' || p.type === 'hour' || p.type === 'minute')
      out[p.type] = Number(p.value);
  }
  return out;
}

function dayMatches(s: CronSchedule, l: Local): boolean {
  const d = s.days.has(l.day);
  const w = s.weekdays.has(l.weekday);
  return s.months.has(l.month) && (s.dayOr ? d || w : d && w);
}

const minuteMs = 60_000;

/**
 * The latest minute at or before `at` that the schedule fires, looking back at most `withinMs`;
 * undefined if none. (A window that opened then is still open if its duration exceeds at - start.)
 */
export function lastFiring(s: CronSchedule, zone: string, at: number, withinMs: number): number | undefined {
  let t = Math.floor(at / minuteMs) * minuteMs;
  const stop = at - withinMs;
  while (t >= stop) {
    const l = localOf(t, zone);
    if (!dayMatches(s, l) || !s.hours.has(l.hour)) {
      t -= (l.minute + 1) * minuteMs; // to the last minute of the previous local hour
      continue;
    }
    if (s.minutes.has(l.minute)) return t;
    t -= minuteMs;
  }
  return undefined;
}

/** The first minute strictly after `at` that the schedule fires, looking ahead at most `withinMs`. */
export function nextFiring(s: CronSchedule, zone: string, at: number, withinMs: number): number | undefined {
  let t = (Math.floor(at / minuteMs) + 1) * minuteMs;
  const stop = at + withinMs;
  while (t <= stop) {
    const l = localOf(t, zone);
    if (!dayMatches(s, l) || !s.hours.has(l.hour)) {
      t += (60 - l.minute) * minuteMs; // to the first minute of the next local hour
      continue;
    }
    if (s.minutes.has(l.minute)) return t;
    t += minuteMs;
  }
  return undefined;
}
