// What the workers see of a cluster is recorded for the cluster list: Failed with why as soon as
// its breaker opens, Successful at the next answer, and an answered cluster again once a minute at
// most (requests are answered thousands of times a minute). Writes never hold the request that
// caused them, go out one at a time per cluster with the newest winning, and a store that refuses
// one is logged. A real ClusterBreaker drives the listener; the clock is the test's.
import {
  ClusterConnectionReport,
  withConnectionStates,
} from '../../../shared/control/cluster-connection-report.js';
import type { Cluster, ClusterConnectionState } from '../../../shared/domain/app.js';
import { ClusterBreaker } from '../../../shared/engine/cluster-breaker.js';
import type { Logger } from '../../../shared/ports/logger.js';

describe('ClusterConnectionReport', () => {
  let now: number;
  const clock = { now: () => now };
  let written: ClusterConnectionState[];
  let warnings: [string, Record<string, unknown> | undefined][];
  const log: Logger = { info: () => {}, warn: (m, e) => warnings.push([m, e]), error: () => {} };
  const noneRecorded = async (): Promise<ClusterConnectionState | undefined> => undefined;
  const store = {
    putClusterState: async (s: ClusterConnectionState) => void written.push(s),
    getClusterState: noneRecorded,
  };
  beforeEach(() => {
    now = Date.parse('2026-12-02T15:00:00Z');
    written = [];
    warnings = [];
  });

  const breakerOf = (report: ClusterConnectionReport, cluster = 'prod-eu') =>
    new ClusterBreaker(
      cluster,
      { listener: report.listenerFor(cluster, 'https://10.0.0.1:6443') },
      () => now,
    );

  test('the first answer is recorded, the next ones only once the last record is a minute old', async () => {
    const report = new ClusterConnectionReport(store, log, {}, clock);
    const breaker = breakerOf(report);

    for (let i = 0; i < 100; i++) breaker.answered();
    now += 59_000;
    breaker.answered();
    await report.flush();
    expect(written).toEqual([
      {
        name: 'prod-eu',
        status: 'Successful',
        message: '',
        attemptedAt: '2026-12-02T15:00:00.000Z',
        server: 'https://10.0.0.1:6443',
      },
    ]);

    now += 1_000;
    breaker.answered();
    await report.flush();
    expect(written.map((s) => s.attemptedAt)).toEqual([
      '2026-12-02T15:00:00.000Z',
      '2026-12-02T15:01:00.000Z',
    ]);
  });

  test('an opened breaker is recorded Failed with why, each failed probe again, and the next answer Successful', async () => {
    const report = new ClusterConnectionReport(store, log, {}, clock);
    const breaker = breakerOf(report);
    breaker.answered();
    for (let i = 0; i < 3; i++) breaker.failed('no TLS handshake within 10.0 s', 'closed');
    await report.flush();
    expect(written.at(-1)).toEqual({
      name: 'prod-eu',
      status: 'Failed',
      message:
        'its API server has not answered 3 requests in a row (last: no TLS handshake within 10.0 s); the next try goes out after 2026-12-02T15:00:10.000Z',
      attemptedAt: '2026-12-02T15:00:00.000Z',
      server: 'https://10.0.0.1:6443',
      lastFailure: 'no TLS handshake within 10.0 s',
      nextTryAt: '2026-12-02T15:00:10.000Z',
    });

    now += 10_000;
    const probe = await breaker.admit('GET /version');
    breaker.failed('connect ECONNREFUSED 10.0.0.1:6443', probe);
    await report.flush();
    expect(written.at(-1)?.message).toBe(
      'its API server has not answered 3 requests in a row (last: connect ECONNREFUSED 10.0.0.1:6443); the next try goes out after 2026-12-02T15:00:30.000Z',
    );

    now += 20_000;
    breaker.answered();
    await report.flush();
    expect(written.map((s) => s.status)).toEqual(['Successful', 'Failed', 'Failed', 'Successful']);
    expect(written.at(-1)).toMatchObject({
      status: 'Successful',
      message: '',
      attemptedAt: '2026-12-02T15:00:30.000Z',
    });
  });

  test('writes do not hold the request, go one at a time per cluster, and the newest waiting one wins', async () => {
    const release: (() => void)[] = [];
    const slow = {
      getClusterState: noneRecorded,
      putClusterState: (s: ClusterConnectionState) =>
        new Promise<void>((resolve) =>
          release.push(() => {
            written.push(s);
            resolve();
          }),
        ),
    };
    const report = new ClusterConnectionReport(slow, log, { refreshMs: 0 }, clock);
    const breaker = breakerOf(report);

    breaker.answered();
    for (let i = 0; i < 3; i++) breaker.failed('reset', 'closed');
    now += 5;
    breaker.answered();
    // One write out; the two after it wait, and only the newest of them goes out.
    expect(release).toHaveLength(1);
    release.shift()!();
    await new Promise((r) => setImmediate(r));
    expect(release).toHaveLength(1);
    release.shift()!();
    await report.flush();
    expect(written.map((s) => s.status)).toEqual(['Successful', 'Successful']);
    expect(written[1]?.attemptedAt).toBe('2026-12-02T15:00:00.005Z');
  });

  test('a write the store refuses is logged and does not throw', async () => {
    const refusing = {
      getClusterState: noneRecorded,
      putClusterState: async () => {
        throw new Error('ProvisionedThroughputExceededException');
      },
    };
    const report = new ClusterConnectionReport(refusing, log, {}, clock);
    const breaker = breakerOf(report);

    expect(() => breaker.answered()).not.toThrow();
    await report.flush();

    expect(warnings).toEqual([
      [
        'could not record a cluster connection state',
        { cluster: 'prod-eu', status: 'Successful', error: 'ProvisionedThroughputExceededException' },
      ],
    ]);
  });

  test('a store that hangs holds flush() for its bound only', async () => {
    const hanging = { getClusterState: noneRecorded, putClusterState: () => new Promise<void>(() => {}) };
    const report = new ClusterConnectionReport(hanging, log, {}, clock);
    breakerOf(report).answered();

    const started = Date.now();
    await report.flush(50);

    expect(Date.now() - started).toBeLessThan(1_000);
  });

  test('a failure that quotes a credential is recorded without it', async () => {
    const report = new ClusterConnectionReport(store, log, {}, clock);
    const breaker = breakerOf(report);
    for (let i = 0; i < 3; i++)
      breaker.failed(
        'proxy https://gitferry:hunter2-secret@proxy.internal:3128 refused the tunnel',
        'closed',
      );
    await report.flush();

    expect(written[0]?.message).toContain('proxy.internal:3128');
    expect(written[0]?.message).not.toContain('hunter2-secret');
  });

  describe('a new process’s breaker starts from what was recorded', () => {
    const recorded = (over: Partial<ClusterConnectionState> = {}): ClusterConnectionState => ({
      name: 'prod-eu',
      status: 'Failed',
      message: 'its API server has not answered 3 requests in a row (…)',
      attemptedAt: '2026-12-02T14:59:55.000Z',
      server: 'https://10.0.0.1:6443',
      lastFailure: 'no TLS handshake within 10.0 s',
      nextTryAt: '2026-12-02T15:00:05.000Z',
      ...over,
    });
    const seeded = async (state: ClusterConnectionState | undefined | Error) => {
      const report = new ClusterConnectionReport(
        {
          putClusterState: store.putClusterState,
          getClusterState: async () => {
            if (state instanceof Error) throw state;
            return state;
          },
        },
        log,
        {},
        clock,
      );
      const breaker = breakerOf(report);
      await report.seed('prod-eu', 'https://10.0.0.1:6443', breaker);
      return breaker;
    };
    const admitted = (b: ClusterBreaker) =>
      b.admit('GET /version').then(
        (a) => (a === 'closed' ? 'closed' : 'probe'),
        (err: Error) => err.message,
      );

    test('gone at this server with its next try ahead: refused until then, with the recorded failure', async () => {
      const breaker = await seeded(recorded());

      expect(await admitted(breaker)).toBe(
        'GET /version on cluster prod-eu: not sent, its API server has not answered 3 requests in a row (last: no TLS handshake within 10.0 s); the next try goes out after 2026-12-02T15:00:05.000Z',
      );
      now += 5_000;
      expect(await admitted(breaker)).toBe('probe');
      breaker.answered();
      await new Promise((r) => setImmediate(r));
      // Its answer is recorded at once, whatever this process wrote before.
      expect(written.map((w) => w.status)).toEqual(['Successful']);
    });

    test('a next try already due, another server, a Successful record, none, or a failed read: it starts closed', async () => {
      for (const state of [
        recorded({ nextTryAt: '2026-12-02T15:00:00.000Z' }),
        recorded({ server: 'https://10.9.9.9:6443' }),
        recorded({ status: 'Successful', message: '', lastFailure: undefined, nextTryAt: undefined }),
        undefined,
        new Error('AccessDeniedException'),
      ])
        expect(await admitted(await seeded(state))).toBe('closed');
      expect(warnings).toEqual([
        ['could not read a cluster connection state', { cluster: 'prod-eu', error: 'AccessDeniedException' }],
      ]);
    });
  });

  test('listed clusters carry their state; one never reached, or seen at another server, is Unknown', () => {
    const clusters: Cluster[] = [
      { name: 'a', type: 'kubeconfig', server: 'https://a:6443', tokenSecret: 'clusters/a/token' },
      { name: 'b', type: 'kubeconfig', server: 'https://b-new:6443', tokenSecret: 'clusters/b/token' },
      { name: 'c', type: 'eks', eksClusterName: 'c', region: 'eu-west-1' },
      { name: 'd', type: 'kubeconfig', server: 'https://d:6443', tokenSecret: 'clusters/d/token' },
    ];
    const seen = (name: string, server: string): ClusterConnectionState => ({
      name,
      server,
      status: 'Failed',
      message: 'its API server has not answered 3 requests in a row',
      attemptedAt: '2026-12-02T15:00:00.000Z',
    });

    const listed = withConnectionStates(clusters, [
      seen('a', 'https://a:6443'),
      seen('b', 'https://b-old:6443'),
      seen('c', 'https://ABC.gr7.eu-west-1.eks.amazonaws.com'),
    ]);

    expect(listed.map((c) => [c.name, c.connectionState.status])).toEqual([
      ['a', 'Failed'],
      ['b', 'Unknown'],
      ['c', 'Failed'],
      ['d', 'Unknown'],
    ]);
    expect(listed[0]?.connectionState).toEqual({
      status: 'Failed',
      message: 'its API server has not answered 3 requests in a row',
      attemptedAt: '2026-12-02T15:00:00.000Z',
    });
    expect(listed[3]?.connectionState).toEqual({
      status: 'Unknown',
      message: 'no worker has reached it yet',
    });
  });
});
