// A probe can end late: an answer to another request closed the breaker meanwhile, the server went
// away again and a new probe went out. The old probe's failure is then an ordinary failure, not
// the new probe's: it neither doubles the window nor ends the new probe its waiters wait for.
import { ClusterBreaker } from '../../../../shared/engine/cluster-breaker.js';

describe('ClusterBreaker probes', () => {
  let now: number;
  const breakerOf = () => new ClusterBreaker('prod-eu', { probeWaitMs: 60_000 }, () => now);
  const openIt = (b: ClusterBreaker) => {
    for (let i = 0; i < 3; i++) b.failed('connect ECONNREFUSED', 'closed');
  };
  const refusal = (b: ClusterBreaker) =>
    b.admit('GET /version').then(
      () => undefined,
      (err: Error) => err.message,
    );
  beforeEach(() => (now = Date.parse('2026-12-02T15:00:00Z')));

  test('the old probe’s failure leaves the new probe and the window as they are', async () => {
    const b = breakerOf();
    openIt(b);
    now += 10_000;
    const oldProbe = await b.admit('GET /version');
    b.answered(); // another request's late answer
    openIt(b);
    now += 10_000;
    const newProbe = await b.admit('GET /api');
    let waiterOutcome: string | undefined;
    const waiter = b.admit('GET /apis').then(
      (a) => (waiterOutcome = `admitted ${String(a)}`),
      (err: Error) => (waiterOutcome = err.message),
    );

    b.failed('no answer within 30.0 s', oldProbe);
    await new Promise((r) => setImmediate(r));

    // The waiter still waits for the new probe.
    expect(waiterOutcome).toBeUndefined();
    // The new probe's failure doubles the window from 10 s (not from 20 s).
    b.failed('connect ECONNREFUSED', newProbe);
    await waiter;
    expect(waiterOutcome).toMatch(/the next try goes out after 2026-12-02T15:00:40\.000Z$/);
    expect(await refusal(b)).toMatch(/the next try goes out after 2026-12-02T15:00:40\.000Z$/);
  });

  test('the current probe’s failure doubles the window and refuses its waiters', async () => {
    const b = breakerOf();
    openIt(b);
    now += 10_000;
    const probe = await b.admit('GET /version');
    const waiter = refusal(b);

    b.failed('connect ECONNREFUSED', probe);

    expect(await waiter).toMatch(/the next try goes out after 2026-12-02T15:00:30\.000Z$/);
  });

  test('an old probe released late does not release the current one', async () => {
    const b = breakerOf();
    openIt(b);
    now += 10_000;
    const oldProbe = await b.admit('GET /version');
    b.answered();
    openIt(b);
    now += 10_000;
    await b.admit('GET /api');
    let waited = false;
    const waiter = b.admit('GET /apis').finally(() => (waited = true));

    b.released(oldProbe);
    await new Promise((r) => setImmediate(r));

    expect(waited).toBe(false);
    b.answered();
    await expect(waiter).resolves.toBe('closed');
  });
});
