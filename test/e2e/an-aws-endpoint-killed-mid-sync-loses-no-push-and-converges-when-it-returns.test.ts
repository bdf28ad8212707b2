// The AWS endpoint killed mid-sync and brought back. What is killed: a forwarder process in front
// of moto that the Lambda handlers talk to (test/support/tcp-forwarder.ts), SIGKILLed so open
// connections reset and new ones are refused, then started again on the same port. Why not moto
// itself: moto's server keeps its state in memory (its request recorder replays calls; it does not
// restore state, receipt handles included), so killing it
// would lose every table and queue, which AWS never does; what a worker meets in practice is the
// endpoint unreachable or erroring for a while, with the data intact behind it. Lambda's event
// source (this test's drain) keeps its own path to SQS, as it does in AWS.
// Sequence: v1 pushed; the worker applies the first object; the endpoint dies; v2 is pushed
// (the webhook answers 503: not enqueued, GitHub redelivers); the worker's record fails and its
// lease is not released; the endpoint comes back; the redelivered push is accepted (202); the
// wake-up comes back from SQS. Then: v2 deployed, history names every pushed revision, nothing
// locked, nothing in the dead-letter queue, the queue empty.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { DynamoDbStateStore } from '../../shared/adapters/aws/dynamodb-state-store.js';
import { KubeClient, type KubeRequest } from '../../shared/engine/kube-client.js';
import type { Lease, StepCommit } from '../../shared/ports/state-store.js';
import { githubPush, startControlPlane, type ControlPlane } from '../support/control-plane.js';
import { TestRepo } from '../support/git.js';
import { kubectl, testbed, uniqueName } from '../support/testbed.js';
import { freePort } from '../testbed/free-port.js';

const forwarderScript = fileURLToPath(new URL('../support/tcp-forwarder.ts', import.meta.url));
const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

const configMap = (name: string, value: string, wave: number) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name}, annotations: { argocd.argoproj.io/sync-wave: "${wave}" } }\ndata: { value: "${value}" }\n`;
const version = (value: string) =>
  Object.fromEntries(['a', 'b', 'c'].map((n, w) => [`app/${n}.yaml`, configMap(n, value, w)]));

/** Starts the forwarder on `port` and resolves once it listens. */
function startForwarder(port: number, target: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', forwarderScript, String(port), target], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.on('error', reject);
    child.stdout!.once('data', () => resolve(child));
  });
}

describe('the AWS endpoint killed mid-sync', () => {
  let cp: ControlPlane;
  let port: number;
  let forwarder: ChildProcess | undefined;
  const ns = uniqueName('e2e-aws-killed');
  const originalRequest = KubeClient.prototype.request;
  const originalCommit = DynamoDbStateStore.prototype.commitStep;

  beforeAll(async () => {
    process.env.GITFERRY_LEASE_TTL_SECONDS = '4';
    cp = await startControlPlane({ visibilityTimeout: 10 });
    port = await freePort();
    forwarder = await startForwarder(port, testbed().awsEndpoint);
    // The handlers build their clients on first use: through the forwarder, queue URL included.
    const via = `http://127.0.0.1:${port}`;
    process.env.AWS_ENDPOINT_URL = via;
    process.env.GITFERRY_QUEUE_URL = cp.queueUrl.replace(new URL(cp.queueUrl).origin, via);
  });
  afterAll(async () => {
    KubeClient.prototype.request = originalRequest;
    DynamoDbStateStore.prototype.commitStep = originalCommit;
    delete process.env.GITFERRY_LEASE_TTL_SECONDS;
    if (forwarder && forwarder.exitCode === null && forwarder.signalCode === null) {
      const exited = new Promise((r) => forwarder!.once('exit', r));
      forwarder.kill('SIGTERM');
      await exited;
    }
    cp?.dispose();
    await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
  });

  test('no push is lost, the sync converges on the newest revision, nothing stays locked', async () => {
    const repo = await TestRepo.create('aws-killed');
    const app = uniqueName('aws-killed');
    try {
      await cp.store.putApp({
        name: app,
        project: 'default',
        sources: [{ repoURL: repo.url, path: 'app', targetRevision: 'main' }],
        destination: { name: cp.clusterName, namespace: ns },
        syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
        ignoreDifferences: [],
        revisionHistoryLimit: 10,
        annotations: {},
      });
      const first = await repo.commit(version('1'), 'v1');
      const push = (sha: string, deliveryId: string) =>
        cp.webhook(githubPush({ repoUrl: repo.url, sha, secret: cp.webhookSecret, deliveryId }));
      expect((await push(first, uniqueName('delivery'))).statusCode).toBe(202);

      // After the first object is applied: the endpoint dies, and v2 is pushed while it is down.
      let second = '';
      const secondDelivery = uniqueName('delivery');
      let answeredWhileDown: number | undefined;
      let killed = false;
      let back: Promise<void> | undefined;
      KubeClient.prototype.request = async function (this: KubeClient, req: KubeRequest) {
        const res = await originalRequest.call(this, req);
        if (
          !killed &&
          req.method === 'PATCH' &&
          !req.query?.dryRun &&
          req.path.includes(`/${ns}/configmaps/`)
        ) {
          killed = true;
          const exited = new Promise((r) => forwarder!.once('exit', r));
          forwarder!.kill('SIGKILL');
          await exited;
          second = await repo.commit(version('2'), 'v2');
          answeredWhileDown = (await push(second, secondDelivery)).statusCode;
          // Down for a few seconds: the rest of this step (its record) runs while it is.
          back = new Promise((r) => setTimeout(r, 3_000))
            .then(() => startForwarder(port, testbed().awsEndpoint))
            .then((f) => void (forwarder = f));
        }
        return res as never;
      } as typeof originalRequest;
      const failedRecords: string[] = [];
      DynamoDbStateStore.prototype.commitStep = async function (
        this: DynamoDbStateStore,
        lease: Lease,
        c: StepCommit,
      ) {
        try {
          return await originalCommit.call(this, lease, c);
        } catch (err) {
          failedRecords.push((err as Error).message);
          throw err;
        }
      };

      const deployed = (sha: string) => async () => {
        const s = await cp.store.getStatus(app);
        return s?.sync.status === 'Synced' && s.sync.revision === sha;
      };
      // The first wake-up fails (its record cannot be written) and is given back to SQS.
      await cp.drain({ until: async () => back !== undefined, timeoutMs: 120_000 });
      await back;
      expect({ killed, answeredWhileDown }).toEqual({ killed: true, answeredWhileDown: 503 });
      // GitHub redelivers the push it was refused (same delivery id): accepted now.
      expect((await push(second, secondDelivery)).statusCode).toBe(202);

      await cp.drain({ until: deployed(second), timeoutMs: 180_000 });
      await cp.drain({ timeoutMs: 120_000 });
      expect(await cp.queueDepth()).toEqual({ visible: 0, delayed: 0, inFlight: 0 });
      const dlq = await cp.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: cp.dlqUrl,
          AttributeNames: ['ApproximateNumberOfMessages'],
        }),
      );
      expect(dlq.Attributes!.ApproximateNumberOfMessages).toBe('0');

      const status = await cp.store.getStatus(app);
      expect(status?.sync).toMatchObject({ status: 'Synced', revision: second });
      expect(status?.operation).toMatchObject({ phase: 'Succeeded', revision: second });
      expect(await cp.store.getOperation(app)).toBeUndefined();
      const lease = await cp.store.acquireLease(app, 'checker', 1_000, Date.now());
      expect(lease).toBeDefined();
      await cp.store.releaseLease(lease!);
      const runs = await cp.store.listRuns(app, 10);
      // One deployment, of v2; v1 is in the history too (superseded by v2 or deployed before it).
      expect(runs.filter((r) => !r.superseded).map((r) => [r.revision, r.phase])[0]).toEqual([
        second,
        'Succeeded',
      ]);
      expect(runs.filter((r) => !r.superseded && r.revision === second)).toHaveLength(1);
      expect(runs.map((r) => r.revision)).toContain(first);
      const live = JSON.parse(await kubectl(['get', 'configmaps', '-n', ns, '-o', 'json'])) as {
        items: { metadata: { name: string }; data?: { value?: string } }[];
      };
      expect(
        Object.fromEntries(
          live.items.filter((i) => i.metadata.name.length === 1).map((i) => [i.metadata.name, i.data?.value]),
        ),
      ).toEqual({ a: '2', b: '2', c: '2' });
    } finally {
      repo.dispose();
    }
  }, 600_000);
});
