// DynamoDB throttling and SQS internal errors, injected by a proxy in front of moto, while the
// Lambda handlers take a webhook load (duplicates, bad signatures, moving branches) and the worker
// syncs. The errors come in bursts, so the SDK's own retries run out and the handlers see them.
// A webhook answered 503 is redelivered with the same id, as GitHub's "Redeliver" does. Then:
// every accepted delivery was woken, every app converges on its newest pushed revision, no
// revision is synced twice, nothing stays locked or in progress, and the queue drains.
import type { IncomingMessage } from 'node:http';
import { startControlPlane, type ControlPlane } from '../support/control-plane.js';
import {
  awsTarget,
  dynamoDbThrottled,
  sqsInternalError,
  startFaultProxy,
  type Fault,
  type FaultProxy,
} from '../support/fault-proxy.js';
import { kubectl, testbed, uniqueName } from '../support/testbed.js';
import {
  createLoadRepo,
  loadApp,
  loadViolations,
  runWebhookLoad,
  type Delivery,
  type RunView,
} from '../support/webhook-load.js';

const apps = 3;
const rounds = 2;

const injected = { dynamodb: 0, sqs: 0 };

/** Bursts of 6 failed calls in every 40 (the SDK's 3 attempts fail together), and every 9th call. */
function faults(req: IncomingMessage, n: number): Fault {
  const target = awsTarget(req);
  const failing = n % 40 < 6 || n % 9 === 0;
  if (!failing) return 'pass';
  if (target.startsWith('DynamoDB_')) return (injected.dynamodb++, dynamoDbThrottled);
  if (target.startsWith('AmazonSQS.')) return (injected.sqs++, sqsInternalError);
  return 'pass';
}

describe('DynamoDB throttling and SQS errors under a webhook load', () => {
  let cp: ControlPlane;
  let proxy: FaultProxy;
  const ns = uniqueName('e2e-aws-faults');
  beforeAll(async () => {
    cp = await startControlPlane({ visibilityTimeout: 2 });
    proxy = await startFaultProxy(testbed().awsEndpoint, faults);
    // The handlers build their clients on first use, from this: they talk to moto through the proxy.
    // SQS sends to the queue URL's host: the queue URL must name the proxy too.
    process.env.AWS_ENDPOINT_URL = proxy.url;
    process.env.GITFERRY_QUEUE_URL = cp.queueUrl.replace(new URL(cp.queueUrl).origin, proxy.url);
  });
  afterAll(async () => {
    cp.dispose();
    await proxy.close();
    await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
  });

  test('no accepted push is lost, no revision is synced twice, and the app converges', async () => {
    const repo = await createLoadRepo({ apps, rounds, configMapPrefix: 'faults' });
    const appName = (i: number) => `${ns}-${i}`;
    for (let i = 0; i < apps; i++) await cp.store.putApp(loadApp(appName(i), repo, i, ns, cp.clusterName));
    const woken = new Set<string>();
    const onBody = (body: string) => {
      const id = (JSON.parse(body) as { deliveryId?: string }).deliveryId;
      if (id) woken.add(id);
    };
    const send = async (d: Pick<Delivery, 'headers' | 'body'>) => {
      const res = await cp.webhook({ headers: d.headers, body: d.body });
      return { status: res.statusCode, body: res.body };
    };
    let sending = true;
    const worker = (async () => {
      while (sending) await cp.drain({ until: async () => !sending, timeoutMs: 600_000, onBody });
    })();
    const result = await runWebhookLoad(send, {
      apps,
      rounds,
      rate: 20,
      total: 60,
      duplicateFraction: 0.2,
      badSignatureFraction: 0.05,
      repo,
      secret: cp.webhookSecret,
    }).finally(() => (sending = false));
    await worker;

    // Anything but an answer is a crash; 503 is the one honest failure ("not enqueued, redeliver").
    expect(result.deliveries.filter((d) => d.error !== undefined)).toEqual([]);
    expect(
      result.deliveries.filter((d) => ![200, 202, 401, 503].includes(d.answer!.status)).map((d) => d.answer),
    ).toEqual([]);
    expect(
      result.deliveries.filter((d) => d.delivery.kind === 'bad-signature' && d.answer!.status !== 401),
    ).toEqual([]);
    const acceptedDeliveries: Delivery[] = result.deliveries
      .filter((d) => d.answer!.status === 202)
      .map((d) => d.delivery);
    for (const d of result.deliveries.filter((x) => x.answer!.status === 503)) {
      let status = 503;
      for (let attempt = 0; attempt < 10 && status === 503; attempt++)
        status = (await send(d.delivery)).status;
      expect([200, 202]).toContain(status);
      if (status === 202) acceptedDeliveries.push(d.delivery);
    }
    expect(injected.dynamodb).toBeGreaterThan(0);
    expect(injected.sqs).toBeGreaterThan(0);

    // The faults end; the queue drains through the same proxy.
    proxy.setPolicy(() => 'pass');
    await cp.drain({ onBody, timeoutMs: 300_000 });
    expect(acceptedDeliveries.filter((d) => !woken.has(d.deliveryId)).map((d) => d.deliveryId)).toEqual([]);
    expect(await cp.queueDepth()).toEqual({ visible: 0, delayed: 0, inFlight: 0 });

    const finals = new Map<string, { revision?: string; sync?: string; runs: RunView[] }>();
    for (let i = 0; i < apps; i++) {
      const status = await cp.store.getStatus(appName(i));
      finals.set(appName(i), {
        revision: status?.sync.revision,
        sync: status?.sync.status,
        runs: await cp.store.listRuns(appName(i), 50),
      });
      expect(await cp.store.getOperation(appName(i))).toBeUndefined();
      const lease = await cp.store.acquireLease(appName(i), 'checker', 1_000, Date.now());
      expect(lease).toBeDefined();
      await cp.store.releaseLease(lease!);
    }
    expect(loadViolations({ repo, apps, appName }, acceptedDeliveries, finals)).toEqual([]);
    // The drains above have their own deadlines; this only bounds a stuck test (the whole suite's
    // load can make the run take minutes).
  }, 900_000);
});
