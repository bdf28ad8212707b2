// The worker Lambda in a process that SIGKILLs itself at a chosen point of a sync: it receives
// wake-ups from the SQS queue (moto) as Lambda's event source does, hands each batch to the real
// handler (functions/worker/handler.ts, on DynamoDB, SQS and Secrets Manager), deletes what
// succeeded, and dies at the point: nothing after it runs, the message it was handling stays in
// flight until its visibility timeout, and its lease is never released.
// Usage (from a test, with the handler's environment set):
//   node --import tsx test/support/doomed-lambda-worker.ts <killAt> <log>
//   killAt: fetch | render | apply:<name> | prune | record (as in doomed-worker.ts)
import { appendFileSync } from 'node:fs';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDbStateStore } from '../../shared/adapters/aws/dynamodb-state-store.js';
import type { Lease, StepCommit } from '../../shared/ports/state-store.js';
import { GitCheckoutCache } from '../../shared/source/git.js';
import { watchCluster } from './doomed-worker.js';

const [killAt, logFile] = process.argv.slice(2) as [string, string];
const die = (where: string) => {
  appendFileSync(logFile, `${JSON.stringify({ killed: where })}\n`);
  process.kill(process.pid, 'SIGKILL');
};

watchCluster(logFile, (req, status) => {
  if (status < 200 || status >= 300 || req.query?.dryRun) return;
  if (killAt.startsWith('apply:') && req.method === 'PATCH' && req.path.endsWith(`/${killAt.slice(6)}`))
    die(killAt);
  if (killAt === 'prune' && req.method === 'DELETE') die(killAt);
});
const withCheckout = GitCheckoutCache.prototype.withCheckout;
GitCheckoutCache.prototype.withCheckout = function (this: GitCheckoutCache, repo, sha, fn, ...rest) {
  if (killAt === 'fetch') die(killAt);
  return withCheckout.call(
    this,
    repo,
    sha,
    (dir: string) => {
      if (killAt === 'render') die(killAt);
      return fn(dir);
    },
    ...rest,
  );
} as typeof withCheckout;
const commitStep = DynamoDbStateStore.prototype.commitStep;
DynamoDbStateStore.prototype.commitStep = function (
  this: DynamoDbStateStore,
  lease: Lease,
  commit: StepCommit,
) {
  if (killAt === 'record' && commit.run) die(killAt);
  return commitStep.call(this, lease, commit);
};

const { handler } = await import('../../functions/worker/handler.js');
const sqs = new SQSClient({});
const queueUrl = process.env.GITFERRY_QUEUE_URL!;
// The chain of wake-ups the sync takes, until the process dies (or, if the point is never reached,
// the queue stays empty for a while).
for (let idle = 0; idle < 5;) {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 4,
      WaitTimeSeconds: 1,
      MessageSystemAttributeNames: ['ApproximateReceiveCount'],
    }),
  );
  if (Messages.length === 0) {
    idle++;
    continue;
  }
  idle = 0;
  const result = await handler(
    {
      Records: Messages.map((m, i) => ({
        messageId: String(i),
        body: m.Body ?? '',
        attributes: { ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1' },
      })),
    },
    { awsRequestId: `doomed-${process.pid}-${Date.now()}` },
  );
  const failed = new Set(result.batchItemFailures.map((f) => f.itemIdentifier));
  for (const [i, m] of Messages.entries())
    if (!failed.has(String(i)))
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
}
appendFileSync(logFile, `${JSON.stringify({ survived: killAt })}\n`);
process.exit(0);
