import { jest } from '@jest/globals';
import { handleBatch, type WorkerBatchDeps } from '../../../functions/worker/batch.js';
import type { SqsEvent } from '../../../functions/lambda-events.js';

function batch(n: number): SqsEvent {
  return {
    Records: Array.from({ length: n }, (_, i) => ({
      messageId: `m${i}`,
      body: `{"app":"app-${i}","reason":"drift","requestedAt":0}`,
      receiptHandle: `rh-${i}`,
    })),
  };
}

const never = new Promise<never>(() => {});

/** Deps that record what the batch did; `work` decides how each record behaves. */
function recorder(work: (id: string) => Promise<void>) {
  const started: string[] = [];
  const failed: string[] = [];
  const unfinished: string[][] = [];
  const retried: { handles: string[]; delay: number }[] = [];
  let running = 0;
  let maxRunning = 0;
  const deps: WorkerBatchDeps = {
    handleRecord: async (r) => {
      started.push(r.messageId);
      running++;
      maxRunning = Math.max(maxRunning, running);
      try {
        await work(r.messageId);
      } finally {
        running--;
      }
    },
    onFailure: (r) => void failed.push(r.messageId),
    onUnfinished: (rs) => void unfinished.push(rs.map((r) => r.messageId)),
    onRetrySoonFailed: () => {},
    retrySoon: async (handles, delay) => void retried.push({ handles, delay }),
  };
  return { deps, started, failed, unfinished, retried, maxRunning: () => maxRunning };
}

describe('the worker batch', () => {
  afterEach(() => jest.useRealTimers());

  test('answers before the deadline with the slow record and the ones it held up as failures, for a quick retry', async () => {
    jest.useFakeTimers();
    const deadline = Date.now() + 60_000;
    const context = { getRemainingTimeInMillis: () => deadline - Date.now() };
    // One lane, the first record hangs: the two after it are never started.
    const r = recorder(async (id) => (id === 'm0' ? never : undefined));
    let answer: Awaited<ReturnType<typeof handleBatch>> | undefined;
    void handleBatch(batch(3), context, {
      ...r.deps,
      options: { parallelism: 1, answerMarginMs: 5_000, retryDelaySeconds: 2 },
    }).then((a) => (answer = a));
    await jest.advanceTimersByTimeAsync(54_000);
    expect(answer).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1_000);
    expect(deadline - Date.now()).toBeGreaterThanOrEqual(5_000);
    expect(answer).toEqual({
      batchItemFailures: [{ itemIdentifier: 'm0' }, { itemIdentifier: 'm1' }, { itemIdentifier: 'm2' }],
    });
    expect(r.started).toEqual(['m0']);
    expect(r.unfinished).toEqual([['m0', 'm1', 'm2']]);
    expect(r.retried).toEqual([{ handles: ['rh-0', 'rh-1', 'rh-2'], delay: 2 }]);
  });

  test('a slow record does not hold up the others: only it comes back', async () => {
    jest.useFakeTimers();
    const deadline = Date.now() + 60_000;
    const context = { getRemainingTimeInMillis: () => deadline - Date.now() };
    const r = recorder(async (id) => (id === 'm1' ? never : undefined));
    let answer: Awaited<ReturnType<typeof handleBatch>> | undefined;
    void handleBatch(batch(5), context, { ...r.deps, options: { parallelism: 2 } }).then((a) => (answer = a));
    await jest.advanceTimersByTimeAsync(55_000);
    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
    expect(r.started.sort()).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect(r.retried).toEqual([{ handles: ['rh-1'], delay: 5 }]);
  });

  test('starts no record once less than the start budget is left, and gives them all back', async () => {
    const r = recorder(async () => {});
    const answer = await handleBatch(batch(2), { getRemainingTimeInMillis: () => 20_000 }, r.deps);
    expect(r.started).toEqual([]);
    expect(answer.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['m0', 'm1']);
    expect(r.retried).toEqual([{ handles: ['rh-0', 'rh-1'], delay: 5 }]);
  });

  test('works on at most `parallelism` records at once', async () => {
    const r = recorder(() => new Promise((resolve) => setImmediate(resolve)));
    const answer = await handleBatch(
      batch(7),
      { getRemainingTimeInMillis: () => 600_000 },
      {
        ...r.deps,
        options: { parallelism: 3 },
      },
    );
    expect(answer).toEqual({ batchItemFailures: [] });
    expect(r.started).toHaveLength(7);
    expect(r.maxRunning()).toBe(3);
  });

  test('a failing record is a batch item failure left to the queue; the others succeed', async () => {
    const r = recorder(async (id) => {
      if (id === 'm1') throw new Error('cluster unreachable');
    });
    const answer = await handleBatch(batch(3), {}, r.deps);
    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
    expect(r.failed).toEqual(['m1']);
    expect(r.retried).toEqual([]);
  });

  test('a refused visibility change still answers with the unfinished records', async () => {
    const r = recorder(async () => {});
    const answer = await handleBatch(
      batch(1),
      { getRemainingTimeInMillis: () => 1_000 },
      {
        ...r.deps,
        retrySoon: async () => {
          throw new Error('AccessDenied');
        },
      },
    );
    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: 'm0' }] });
  });
});
