import { lastFiring, nextFiring, parseCron } from '../../../shared/domain/cron.js';
import {
  openUntil,
  parseDuration,
  parseSyncWindows,
  windowMatches,
  windowVerdict,
  type SyncWindow,
} from '../../../shared/domain/sync-window.js';
import { parseAppProjectManifest } from '../../../shared/domain/application-manifest.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const fail = (msg: string) => new Error(msg);
const window = (w: Record<string, unknown>): SyncWindow =>
  parseSyncWindows([{ applications: ['*'], ...w }], fail)[0]!;
const hour = 3_600_000;

describe('cron schedules', () => {
  test.each([
    ['0 22 * * *', 'no', ''],
    ['* * * *', 'must have 5 fields', ''],
    ['60 * * * *', 'minute 60 is outside 0-59', ''],
    ['*/0 * * * *', 'minute has an invalid step', ''],
    ['0 5-2 * * *', 'hour has a reversed range', ''],
    ['0 0 32 * *', 'day of month 32 is outside 1-31', ''],
    ['0 0 * FOO *', 'month has "FOO"', ''],
    ['99999999999 * * * *', 'minute has "99999999999"', ''],
    ['@hourly', 'must have 5 fields', ''],
    ['0 0 * * 1-2-3', 'day of week has an invalid range', ''],
    [`${'1,'.repeat(150)}1 * * * *`, 'longer than 200 characters', ''],
  ])('%j → %s', (schedule, error) => {
    if (error === 'no') expect(() => parseCron(schedule)).not.toThrow();
    else expect(() => parseCron(schedule)).toThrow(error);
  });

  test('names, lists, steps and 7 for Sunday are read as cron reads them', () => {
    const s = parseCron('*/15 9-17/4 * JAN,dec mon-FRI,7');
    expect([...s.minutes]).toEqual([0, 15, 30, 45]);
    expect([...s.hours]).toEqual([9, 13, 17]);
    expect([...s.months]).toEqual([1, 12]);
    expect([...s.weekdays].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(s.dayOr).toBe(false);
  });

  test('day of month and day of week both restricted: either one matches', () => {
    const s = parseCron('0 0 1 * MON');
    // 2026-12-07 is a Monday, 2027-01-01 a Friday, the 1st of the month.
    expect(iso(nextFiring(s, 'UTC', at('2026-12-01T00:00:00Z'), 40 * 24 * hour))).toBe(
      '2026-12-07T00:00:00.000Z',
    );
    expect(iso(nextFiring(s, 'UTC', at('2026-12-28T00:00:00Z'), 40 * 24 * hour))).toBe(
      '2027-01-01T00:00:00.000Z',
    );
  });

  test('a schedule is wall-clock time in its zone, and a time skipped by DST does not fire that day', () => {
    const s = parseCron('30 2 * * *');
    // New York springs forward on 2026-03-08 at 02:00: 02:30 does not exist that day.
    expect(iso(nextFiring(s, 'America/New_York', at('2026-03-08T05:00:00Z'), 3 * 24 * hour))).toBe(
      '2026-03-09T06:30:00.000Z',
    );
    // The day before, 02:30 EST is 07:30 UTC.
    expect(iso(lastFiring(s, 'America/New_York', at('2026-03-07T08:00:00Z'), 2 * hour))).toBe(
      '2026-03-07T07:30:00.000Z',
    );
    // Tokyo has no DST: 02:30 JST is 17:30 UTC the day before.
    expect(iso(nextFiring(s, 'Asia/Tokyo', at('2026-03-08T00:00:00Z'), 24 * hour))).toBe(
      '2026-03-08T17:30:00.000Z',
    );
  });

  test('a search looks back only as far as it is told', () => {
    const s = parseCron('0 0 1 1 *');
    expect(lastFiring(s, 'UTC', at('2026-12-01T00:00:00Z'), 7 * 24 * hour)).toBeUndefined();
  });
});

describe('sync windows', () => {
  test('a window crossing midnight in Paris is open until its duration ends, then closed', () => {
    const w = window({ kind: 'deny', schedule: '0 22 * * *', duration: '4h', timeZone: 'Europe/Paris' });
    // 23:30 in Paris (UTC+1 in December) is 22:30 UTC: open until 02:00 Paris = 01:00 UTC.
    expect(iso(openUntil(w, at('2026-12-01T22:30:00Z')))).toBe('2026-12-02T01:00:00.000Z');
    expect(openUntil(w, at('2026-12-02T01:00:00Z'))).toBeUndefined();
    expect(openUntil(w, at('2026-12-01T20:59:00Z'))).toBeUndefined();
    expect(iso(openUntil(w, at('2026-12-01T21:00:00Z')))).toBe('2026-12-02T01:00:00.000Z');
  });

  test('a deny window closes automated syncs until it ends; manualSync lets manual ones through', () => {
    const deny = window({ kind: 'deny', schedule: '0 9 * * *', duration: '1h30m' });
    const now = at('2026-12-01T09:10:00Z');
    expect(windowVerdict([deny], false, now)).toEqual({
      open: false,
      reason: 'deny window "0 9 * * *" for 1h30m (UTC)',
      opensAt: at('2026-12-01T10:30:00Z'),
    });
    expect(windowVerdict([deny], true, now).open).toBe(false);
    expect(windowVerdict([{ ...deny, manualSync: true }], true, now)).toEqual({ open: true });
    expect(windowVerdict([deny], false, at('2026-12-01T10:30:00Z'))).toEqual({ open: true });
  });

  test('with allow windows, syncs wait for the next one to open; an open deny still wins', () => {
    const allow = window({
      kind: 'allow',
      schedule: '0 6 * * MON-FRI',
      duration: '2h',
      timeZone: 'Asia/Tokyo',
    });
    // Saturday 2026-12-05 12:00 UTC: the next allow opens Monday 06:00 JST = Sunday 21:00 UTC.
    expect(windowVerdict([allow], false, at('2026-12-05T12:00:00Z'))).toMatchObject({
      open: false,
      opensAt: at('2026-12-06T21:00:00Z'),
    });
    expect(windowVerdict([allow], false, at('2026-12-06T22:00:00Z'))).toEqual({ open: true });
    const deny = window({ kind: 'deny', schedule: '30 21 * * *', duration: '1h' });
    // Inside both: the deny closes it until 22:30 UTC, when the allow (until 23:00) is still open.
    expect(windowVerdict([allow, deny], false, at('2026-12-06T21:45:00Z'))).toMatchObject({
      open: false,
      opensAt: at('2026-12-06T22:30:00Z'),
    });
  });

  test('back-to-back deny windows open only after the last one', () => {
    const a = window({ kind: 'deny', schedule: '0 8 * * *', duration: '2h' });
    const b = window({ kind: 'deny', schedule: '0 10 * * *', duration: '3h' });
    expect(windowVerdict([a, b], false, at('2026-12-01T09:00:00Z'))).toMatchObject({
      opensAt: at('2026-12-01T13:00:00Z'),
    });
  });

  test('selectors: any list matching concerns the app; andOperator wants all; none concerns nobody', () => {
    const subject = { app: 'shop-web', namespace: 'shop', clusters: ['prod-eu', 'https://1.2.3.4'] };
    const w = (s: Record<string, unknown>) =>
      window({ kind: 'deny', schedule: '* * * * *', duration: '1h', applications: undefined, ...s });
    expect(windowMatches(w({ applications: ['shop-*'] }), subject)).toBe(true);
    expect(windowMatches(w({ namespaces: ['other'], clusters: ['prod-*'] }), subject)).toBe(true);
    expect(
      windowMatches(w({ namespaces: ['other'], clusters: ['prod-*'], andOperator: true }), subject),
    ).toBe(false);
    expect(windowMatches(w({ clusters: ['https://1.2.3.4'] }), subject)).toBe(true);
    expect(windowMatches(w({}), subject)).toBe(false);
  });

  test.each([
    [{ kind: 'block' }, 'spec.syncWindows[0].kind must be allow or deny'],
    [{ schedule: '* * *' }, 'spec.syncWindows[0].schedule: schedule "* * *" must have 5 fields'],
    [{ duration: '1e9h' }, 'spec.syncWindows[0].duration must be a duration such as 1h'],
    [{ duration: '999999h' }, 'spec.syncWindows[0].duration must be between 1m and 168h'],
    [{ duration: '-1h' }, 'spec.syncWindows[0].duration must be a duration'],
    [{ duration: 3600 }, 'spec.syncWindows[0].duration must be a duration'],
    [{ timeZone: 'Mars/Olympus' }, 'spec.syncWindows[0].timeZone must be an IANA time zone'],
    [{ timeZone: '../../etc/passwd' }, 'spec.syncWindows[0].timeZone must be an IANA time zone'],
    [{ timeZone: 'Europe/Paris'.repeat(10) }, 'spec.syncWindows[0].timeZone must be an IANA time zone'],
    [{ applications: ['{a,{b'] }, 'spec.syncWindows[0].applications[0]: glob'],
    [{ applications: ['{a,b}'.repeat(10)] }, 'too many alternatives'],
    [{ namespaces: 'shop' }, 'spec.syncWindows[0].namespaces must be a list'],
    [{ clusters: Array(101).fill('x') }, 'spec.syncWindows[0].clusters must be a list of at most 100 globs'],
    [{ manualSync: 'yes' }, 'spec.syncWindows[0].manualSync must be true or false'],
    [{ command: 'rm -rf /' }, 'spec.syncWindows[0].command is not a sync window field'],
  ])('an attacker value %j is refused naming the field', (change, message) => {
    const w = { kind: 'deny', schedule: '0 22 * * *', duration: '1h', applications: ['*'], ...change };
    expect(() => parseSyncWindows([w], fail)).toThrow(message);
  });

  test('more than 50 windows, or not a list, are refused', () => {
    const w = { kind: 'deny', schedule: '0 22 * * *', duration: '1h' };
    expect(() => parseSyncWindows(Array(51).fill(w), fail)).toThrow('more than 50 windows');
    expect(() => parseSyncWindows({}, fail)).toThrow('spec.syncWindows must be a list');
  });

  test('durations are Go durations in whole units', () => {
    expect(parseDuration('1h30m')).toBe(90 * 60_000);
    expect(parseDuration('45s')).toBe(45_000);
    expect(parseDuration('1.5h')).toBeUndefined();
    expect(parseDuration('')).toBeUndefined();
  });

  test('an AppProject stores its windows (no warning any more), and a bad one refuses the project by name', () => {
    const doc = (w: unknown) => ({
      kind: 'AppProject',
      metadata: { name: 'team' },
      spec: { sourceRepos: ['*'], syncWindows: [w] },
    });
    const { project, warnings } = parseAppProjectManifest(
      doc({
        kind: 'deny',
        schedule: '0 22 * * *',
        duration: '1h',
        timeZone: 'Europe/Paris',
        namespaces: ['shop'],
      }),
    );
    expect(warnings).toEqual([]);
    expect(project.syncWindows).toEqual([
      {
        kind: 'deny',
        schedule: '0 22 * * *',
        duration: '1h',
        durationMs: hour,
        timeZone: 'Europe/Paris',
        applications: [],
        namespaces: ['shop'],
        clusters: [],
        manualSync: false,
        andOperator: false,
      },
    ]);
    expect(() =>
      parseAppProjectManifest(doc({ kind: 'deny', schedule: '0 22 * * *', duration: '1y' })),
    ).toThrow('AppProject/team: spec.syncWindows[0].duration must be a duration such as 1h, 30m or 1h30m');
  });
});

describe('the hour-skipping search', () => {
  // Minute-by-minute reference: the local wall clock of each minute, read by Intl.
  const parts = (ms: number, zone: string) => {
    const f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      month: 'numeric',
      day: 'numeric',
      weekday: 'short',
      hour: 'numeric',
      minute: 'numeric',
    });
    const p = Object.fromEntries(f.formatToParts(ms).map((x) => [x.type, x.value]));
    const wd = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(p.weekday!);
    return { month: +p.month!, day: +p.day!, weekday: wd, hour: +p.hour!, minute: +p.minute! };
  };
  const fires = (s: ReturnType<typeof parseCron>, zone: string, ms: number) => {
    const l = parts(ms, zone);
    const d = s.days.has(l.day);
    const w = s.weekdays.has(l.weekday);
    return (
      s.minutes.has(l.minute) && s.hours.has(l.hour) && s.months.has(l.month) && (s.dayOr ? d || w : d && w)
    );
  };
  let seed = 42;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };

  test('finds what a minute-by-minute scan finds, in zones with half-hour and 45-minute offsets and DST', () => {
    const zones = ['UTC', 'America/New_York', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'Europe/Paris'];
    // Around New York's and Lord Howe's DST changes, and an ordinary week.
    const starts = [
      '2026-03-07T20:00:00Z',
      '2026-04-04T10:00:00Z',
      '2026-11-01T02:00:00Z',
      '2026-06-10T00:00:00Z',
    ];
    for (let k = 0; k < 24; k++) {
      const schedule = `${rand(4) * 15} ${rand(24)}${rand(2) ? `-${23}` : ''} * * ${rand(2) ? '*' : `${rand(7)}`}`;
      const s = parseCron(schedule);
      const zone = zones[k % zones.length]!;
      const from = at(starts[k % starts.length]!);
      const span = 36 * hour;
      let expectedNext: number | undefined;
      for (let t = from + 60_000; t <= from + span; t += 60_000)
        if (fires(s, zone, t)) {
          expectedNext = t;
          break;
        }
      expect([schedule, zone, iso(nextFiring(s, zone, from, span))]).toEqual([
        schedule,
        zone,
        iso(expectedNext),
      ]);
      const end = from + span;
      let expectedLast: number | undefined;
      for (let t = end; t >= from; t -= 60_000)
        if (fires(s, zone, t)) {
          expectedLast = t;
          break;
        }
      expect([schedule, zone, iso(lastFiring(s, zone, end, span))]).toEqual([
        schedule,
        zone,
        iso(expectedLast),
      ]);
    }
  });
});
