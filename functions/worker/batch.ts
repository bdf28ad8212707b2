import type { LambdaContext, SqsBatchResponse, SqsEvent } from '../lambda-events.js';

type SqsRecord = SqsEvent['Records'][number];

/** How one SQS batch is worked through so that one slow record cannot sink the others. */
export interface WorkerBatchOptions {
  /** Records worked on at once. @default 2 */
  parallelism: number;
  /**
   * A record is only started while more than this is left of the invocation: a step started later
   * would be cut off by the timeout. @default 30 s
   */
  startBudgetMs: number;
  /**
   * The handler answers this long before the timeout, reporting every record not finished by then
   * (started or not) as a batch item failure, instead of letting Lambda time out the whole batch.
   * @default 5 s
   */
  answerMarginMs: number;
  /** Unfinished records become visible again after this, not after the queue's visibility timeout. @default 5 s */
  retryDelaySeconds: number;
}

export const defaultWorkerBatchOptions: WorkerBatchOptions = {
  parallelism: 2,
  startBudgetMs: 30_000,
  answerMarginMs: 5_000,
  retryDelaySeconds: 5,
};

export interface WorkerBatchDeps {
  /** One wake-up: throws when it failed (SQS redelivers it; after maxReceiveCount, the DLQ). */
  handleRecord: (record: SqsRecord) => Promise<void>;
  /** Records that failed or were not finished in time; SQS would redeliver them either way. */
  onFailure: (record: SqsRecord, err: Error) => void;
  /** Records the batch gave back unfinished: shortens their visibility (best effort). */
  retrySoon: (receiptHandles: string[], delaySeconds: number) => Promise<void>;
  onUnfinished: (records: SqsRecord[]) => void;
  onRetrySoonFailed: (err: Error) => void;
  options?: Partial<WorkerBatchOptions>;
}

/** Lambda without a deadline (a local call): a day is as good as never. */
const noDeadline = () => 86_400_000;

/**
 * Works through an SQS batch with bounded parallelism and a remaining-time guard: records are
 * started only while `startBudgetMs` is left, and the answer goes out `answerMarginMs` before the
 * timeout with every record not finished as a batch item failure, whose visibility is shortened so
 * it is retried in seconds. A record left running past the answer is fenced by the app's lease:
 * its redelivery finds the lease held and comes back later, as any concurrent wake-up does.
 */
export async function handleBatch(
  event: SqsEvent,
  context: LambdaContext,
  deps: WorkerBatchDeps,
): Promise<SqsBatchResponse> {
  const o = { ...defaultWorkerBatchOptions, ...deps.options };
  const remaining = context.getRemainingTimeInMillis ?? noDeadline;
  const pending = [...event.Records];
  const done = new Set<string>();
  const failed = new Set<string>();

  const lane = async (): Promise<void> => {
    for (let record = pending.shift(); record; record = pending.shift()) {
      if (remaining() <= o.startBudgetMs) {
        pending.unshift(record);
        return;
      }
      try {
        await deps.handleRecord(record);
      } catch (err) {
        failed.add(record.messageId);
        deps.onFailure(record, err as Error);
      }
      done.add(record.messageId);
    }
  };

  let timer: NodeJS.Timeout | undefined;
  const answerBy = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, remaining() - o.answerMarginMs));
  });
  const lanes = Array.from({ length: Math.max(1, Math.min(o.parallelism, event.Records.length)) }, lane);
  await Promise.race([Promise.all(lanes), answerBy]).finally(() => clearTimeout(timer));
  // Stop the lanes from starting anything more after the answer.
  const unfinished = event.Records.filter((r) => !done.has(r.messageId));
  const batchItemFailures = event.Records.filter(
    (r) => failed.has(r.messageId) || !done.has(r.messageId),
  ).map((r) => ({ itemIdentifier: r.messageId }));
  pending.length = 0;

  if (unfinished.length > 0) {
    deps.onUnfinished(unfinished);
    const handles = unfinished.flatMap((r) => (r.receiptHandle ? [r.receiptHandle] : []));
    // Best effort: if it fails, they come back after the queue's visibility timeout instead.
    if (handles.length > 0)
      await deps.retrySoon(handles, o.retryDelaySeconds).catch((err: Error) => deps.onRetrySoonFailed(err));
  }
  return { batchItemFailures };
}
