import { ChangeMessageVisibilityBatchCommand, SQSClient } from '@aws-sdk/client-sqs';

/** SQS takes at most 10 entries per ChangeMessageVisibilityBatch call. */
const maxBatchEntries = 10;

/**
 * Makes received messages visible again after `delaySeconds` instead of the queue's visibility
 * timeout: the worker gives back records it had no time for, to be retried in seconds.
 * Throws if SQS refused any entry (the caller treats it as best effort).
 */
export function sqsRetrySoon(config: { region: string; queueUrl: string }, client?: SQSClient) {
  const sqs = client ?? new SQSClient({ region: config.region });
  return async (receiptHandles: string[], delaySeconds: number): Promise<void> => {
    for (let i = 0; i < receiptHandles.length; i += maxBatchEntries) {
      const slice = receiptHandles.slice(i, i + maxBatchEntries);
      const res = await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: config.queueUrl,
          Entries: slice.map((h, j) => ({
            Id: String(i + j),
            ReceiptHandle: h,
            VisibilityTimeout: delaySeconds,
          })),
        }),
      );
      if (res.Failed?.length)
        throw new Error(
          `wake-up queue: ${res.Failed.length} message(s) kept their visibility timeout (${res.Failed.map((f) => f.Code).join(', ')})`,
        );
    }
  };
}
