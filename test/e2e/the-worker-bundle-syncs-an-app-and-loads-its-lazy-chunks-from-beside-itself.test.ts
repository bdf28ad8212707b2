// The worker as Lambda runs it: the built bundle (index.mjs and its chunks, built away from the
// checkout), in its own process per batch, on moto's SQS and DynamoDB and the test bed's cluster.
// A sync needs what the bundle loads only when first used (git, the renderer's fetchers, the Lua
// VM and its glue.wasm): each must be found beside the bundle, as in Lambda's /var/task.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import type { SyncJob } from '../../shared/domain/sync-job.js';
import { startControlPlane, type ControlPlane } from '../support/control-plane.js';
import { TestRepo } from '../support/git.js';
import { awsClientConfig, kubectl, uniqueName } from '../support/testbed.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));

describe('the worker bundle', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gitferry-worker-bundle-'));
  const checks = mkdtempSync(join(tmpdir(), 'gitferry-worker-checks-'));
  const app = uniqueName('bundled');
  const ns = uniqueName('e2e-bundle');
  let cp: ControlPlane;
  let repo: TestRepo;
  const logs: string[] = [];

  beforeAll(async () => {
    // Built straight into a folder away from the checkout, as `cdk deploy` builds its asset.
    await run(process.execPath, [
      join(root, 'scripts/build-functions.mjs'),
      ...['--only', 'worker', '--outdir', join(dir, 'worker')],
    ]);
    // An installation's own health check for ConfigMaps, in Lua as Argo CD users write them.
    writeFileSync(
      join(checks, '_ConfigMap.lua'),
      [
        'local hs = {}',
        'if obj.data ~= nil and obj.data.mood == "fine" then',
        '  hs.status = "Healthy"',
        '  hs.message = "lua says the mood is " .. obj.data.mood',
        'else',
        '  hs.status = "Degraded"',
        '  hs.message = "lua says the mood is off"',
        'end',
        'return hs',
      ].join('\n'),
    );
    cp = await startControlPlane();
    repo = await TestRepo.create('bundled');
  });
  afterAll(async () => {
    cp?.dispose();
    repo?.dispose();
    rmSync(dir, { recursive: true, force: true });
    rmSync(checks, { recursive: true, force: true });
    await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
  });

  /** One batch through the bundle, in a fresh process, with the environment Lambda would give. */
  async function invokeBundle(messages: Message[]) {
    const event = {
      Records: messages.map((m) => ({
        messageId: m.MessageId!,
        receiptHandle: m.ReceiptHandle!,
        body: m.Body!,
        attributes: { ApproximateReceiveCount: '1' },
        eventSource: 'aws:sqs',
      })),
    };
    const { stdout, stderr } = await run(
      process.execPath,
      [
        '-r',
        join(root, 'test/support/sdk-only-loader.cjs'),
        join(root, 'test/support/invoke-bundle.cjs'),
        join(dir, 'worker', 'index.mjs'),
        JSON.stringify(event),
      ],
      {
        cwd: dir,
        env: {
          ...process.env,
          NODE_PATH: join(root, 'node_modules'),
          NODE_OPTIONS: '',
          GITFERRY_BUNDLE_DIR: dir,
          GITFERRY_HEALTH_CHECKS: checks,
          GITFERRY_LOG_LEVEL: 'INFO',
        },
      },
    );
    logs.push(stdout, stderr);
    return JSON.parse(stdout.trim().split('\n').pop()!) as {
      result: { batchItemFailures: { itemIdentifier: string }[] };
    };
  }

  /** Feeds queued wake-ups to the bundle, as Lambda's event source would, until `done` holds. */
  async function drainThroughBundle(done: () => Promise<boolean>) {
    const sqs = new SQSClient(awsClientConfig());
    const deadline = Date.now() + 90_000;
    while (!(await done())) {
      if (Date.now() > deadline)
        throw new Error(
          `not done within 90 s: ${JSON.stringify(await cp.store.getStatus(app))}\n${logs.join('').slice(-3000)}`,
        );
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: cp.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      if (Messages.length === 0) continue;
      const { result } = await invokeBundle(Messages);
      expect(result.batchItemFailures).toEqual([]);
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: cp.queueUrl,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
    }
  }

  test('syncs a pushed app and assesses it with a Lua health check, chunks and glue.wasm found beside it', async () => {
    const revision = await repo.commit({
      'app/mood.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: mood }\ndata: { mood: fine }\n',
    });
    await cp.store.putApp({
      name: app,
      project: 'default',
      sources: [{ repoURL: repo.url, targetRevision: 'main', path: 'app' }],
      destination: { name: cp.clusterName, namespace: ns },
      syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
      ignoreDifferences: [],
      revisionHistoryLimit: 10,
      annotations: {},
    });
    // What the webhook does for a push: the request recorded, then the wake-up sent.
    const job: SyncJob = { app, reason: 'webhook', revision, requestedAt: Date.now() };
    await cp.store.requestSync(app, { reason: 'webhook', revision, requestedAt: job.requestedAt });
    await cp.queue.send(job);

    await drainThroughBundle(async () => {
      const s = await cp.store.getStatus(app);
      return s?.operation?.phase === 'Succeeded' && s.health.status !== 'Progressing';
    });
    const status = (await cp.store.getStatus(app))!;
    expect(status.sync.status).toBe('Synced');
    expect(await kubectl(['get', 'configmap', '-n', ns, 'mood', '-o', 'jsonpath={.data.mood}'])).toBe('fine');
    // The script ran in the bundle's Lua VM: its words, not "the Lua VM could not start".
    const mood = status.resources.find((r) => r.ref.kind === 'ConfigMap' && r.ref.name === 'mood');
    expect(mood?.health).toEqual({ status: 'Healthy', message: 'lua says the mood is fine' });
    expect(status.health.status).toBe('Healthy');
  });
});
