import { jest } from '@jest/globals';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { TestRepo } from '../support/git.js';
import { startControlPlane, type ControlPlane } from '../support/control-plane.js';
import { kubectl, uniqueName } from '../support/testbed.js';

// A sync whose health gate waits five minutes (a rollout that becomes ready only then), driven
// through moto's SQS and DynamoDB and the worker Lambda handler. Time is simulated: each wake-up's
// SQS delay is recorded and then skipped, and the clock moves by it, so five minutes take seconds.
// The fixed periods of before (a wake-up every 2 s while a wave waits) would have taken
// 1 + 300 / 2 = 151 wake-ups; the backoff (2 → 5 → 10 → 30 s) takes about 15.
const ns = uniqueName('e2e-slow-rollout');
const waitMs = 5 * 60_000;

const manifests = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: slow
  annotations:
    argocd.argoproj.io/sync-wave: "0"
spec:
  replicas: 1
  selector:
    matchLabels: { app: slow }
  template:
    metadata:
      labels: { app: slow }
      annotations:
        gitferry.dev/testbed-never-ready: "true"
    spec:
      containers:
        - name: app
          image: registry.invalid/slow:1
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: after-rollout
  annotations:
    argocd.argoproj.io/sync-wave: "1"
data: { ready: "yes" }
`;

describe('a sync that waits five minutes', () => {
  let cp: ControlPlane;
  let repo: TestRepo;
  const app = uniqueName('slow');
  let offset = 0;
  const delays = new Map<string, number>();

  beforeAll(async () => {
    const realNow = Date.now.bind(Date);
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + offset);
    // Every wake-up the worker sends is recorded with its delay and made visible at once.
    const send = SQSClient.prototype.send;
    jest.spyOn(SQSClient.prototype, 'send').mockImplementation(function (this: SQSClient, command: unknown) {
      if (command instanceof SendMessageCommand) {
        delays.set(command.input.MessageBody!, command.input.DelaySeconds ?? 0);
        command.input.DelaySeconds = 0;
      }
      return (send as (c: unknown) => Promise<unknown>).call(this, command) as never;
    });
    cp = await startControlPlane();
    repo = await TestRepo.create('slow-rollout');
    await repo.commit({ 'slow/objects.yaml': manifests });
    await cp.store.putApp({
      name: app,
      project: 'default',
      sources: [{ repoURL: repo.url, path: 'slow', targetRevision: 'main' }],
      destination: { name: cp.clusterName, namespace: ns },
      syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
      ignoreDifferences: [],
      revisionHistoryLimit: 10,
      annotations: {},
    });
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    cp?.dispose();
    repo?.dispose();
    await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
  });

  test('completes with a bounded number of wake-ups, backing off while it waits', async () => {
    const start = Date.now();
    await cp.queue.send({ app, reason: 'webhook', requestedAt: start });
    let wakeUps = 0;
    let rolledOut = false;
    const seen: { delay: number; reason: string; hop?: number }[] = [];
    const deadline = performance.now() + 240_000;
    for (;;) {
      expect(performance.now()).toBeLessThan(deadline);
      const { Messages = [] } = await cp.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: cp.queueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 1 }),
      );
      if (Messages.length === 0) {
        const depth = await cp.queueDepth();
        if (depth.visible + depth.delayed + depth.inFlight === 0) break;
        continue;
      }
      const [m] = Messages;
      const body = m!.Body!;
      const job = JSON.parse(body) as { reason: string; hop?: number };
      // The wake-up comes when its delay has passed.
      offset += (delays.get(body) ?? 0) * 1000;
      seen.push({ delay: delays.get(body) ?? 0, reason: job.reason, hop: job.hop });
      if (!rolledOut && Date.now() - start >= waitMs) {
        // Five minutes in, the rollout finishes (pods without the never-ready marker).
        await kubectl([
          'patch',
          'deployment',
          'slow',
          '-n',
          ns,
          '--type=json',
          '-p',
          '[{"op":"remove","path":"/spec/template/metadata/annotations/gitferry.dev~1testbed-never-ready"}]',
        ]);
        await kubectl(['rollout', 'status', 'deployment/slow', '-n', ns, '--timeout=90s']);
        rolledOut = true;
      }
      const result = await cp.worker({
        Records: [{ messageId: m!.MessageId!, body, attributes: { ApproximateReceiveCount: '1' } }],
      });
      expect(result.batchItemFailures).toEqual([]);
      await cp.queue.delete(m!.ReceiptHandle!);
      wakeUps++;
    }

    const [run] = await cp.store.listRuns(app, 1);
    expect(run?.phase).toBe('Succeeded');
    expect(Date.parse(run!.finishedAt!) - start).toBeGreaterThanOrEqual(waitMs);
    expect(
      JSON.parse(await kubectl(['get', 'configmap', 'after-rollout', '-n', ns, '-o', 'json'])).data,
    ).toEqual({
      ready: 'yes',
    });
    const continues = seen.filter((s) => s.reason === 'continue');
    expect(continues.slice(0, 5).map((s) => s.delay)).toEqual([2, 5, 10, 30, 30]);
    expect(continues.map((s) => s.hop)).toEqual(continues.map((_, i) => i + 1));
    const before = 1 + waitMs / 2_000;
    // 2 + 5 + 10 s, then 30 s steps to five minutes: 1 + 3 + 10 + the step that finds it ready.
    expect(wakeUps).toBeLessThanOrEqual(20);
    console.log(
      `wake-ups a 5-minute sync takes: before ${before} (every 2 s), after ${wakeUps} (${seen
        .map((s) => `${s.reason}+${s.delay}s`)
        .join(', ')}); simulated ${Math.round((Date.parse(run!.finishedAt!) - start) / 1000)} s`,
    );
  }, 300_000);
});
