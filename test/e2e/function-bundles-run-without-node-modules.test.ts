import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createStateTable } from '../../shared/adapters/aws/dynamodb-table.js';
import { awsClientConfig, testbed, uniqueName } from '../support/testbed.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));

describe('each function bundle (the esbuild output, not the TypeScript)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gitferry-bundles-'));
  let env: NodeJS.ProcessEnv;
  const secret = 'bundle-test-secret';

  beforeAll(async () => {
    // Built away from the repo (each function's folder: index.mjs, its chunks, glue.wasm), as
    // `cdk deploy` builds its assets: no node_modules next to or above them.
    await Promise.all(
      ['webhook', 'worker', 'drift', 'api', 'notifier'].map((fn) =>
        run(process.execPath, [
          join(root, 'scripts/build-functions.mjs'),
          ...['--only', fn, '--outdir', join(dir, fn)],
        ]),
      ),
    );
    const aws = awsClientConfig();
    const id = uniqueName('bundles');
    await createStateTable(new DynamoDBClient(aws), `${id}-state`);
    const queue = await new SQSClient(aws).send(new CreateQueueCommand({ QueueName: `${id}-jobs` }));
    await new SecretsManagerClient(aws).send(
      new CreateSecretCommand({ Name: `${id}/github`, SecretString: secret }),
    );
    env = {
      PATH: process.env.PATH,
      // The Lambda runtime provides the AWS SDK; here it comes from this checkout, and nothing else does.
      NODE_PATH: join(root, 'node_modules'),
      GITFERRY_BUNDLE_DIR: dir,
      AWS_ENDPOINT_URL: testbed().awsEndpoint,
      AWS_REGION: aws.region,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      GITFERRY_TABLE: `${id}-state`,
      GITFERRY_QUEUE_URL: queue.QueueUrl,
      GITFERRY_GITHUB_SECRET: `${id}/github`,
      GITFERRY_LOG_LEVEL: 'ERROR',
      // Pull-request previews on: preview jobs are dispatched to shared/preview/ by the worker.
      GITFERRY_NOTIFICATIONS: `preview:\n  github:\n    tokenSecret: ${id}/github-token\n`,
    };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const invoke = async (fn: string, event: unknown, extraEnv: NodeJS.ProcessEnv = {}) => {
    const { stdout, stderr } = await run(
      process.execPath,
      [
        '-r',
        join(root, 'test/support/sdk-only-loader.cjs'),
        join(root, 'test/support/invoke-bundle.cjs'),
        join(dir, fn, 'index.mjs'),
        JSON.stringify(event),
      ],
      {
        cwd: dir,
        env: { ...env, ...extraEnv },
      },
    );
    return {
      ...(JSON.parse(stdout.trim().split('\n').pop()!) as object),
      log: `${stdout}${stderr}`,
    } as {
      log: string;
      initMs: number;
      result: { statusCode?: number; body?: string; batchItemFailures?: unknown[]; enqueued?: number };
    };
  };

  const ping = () => {
    const body = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
    return {
      version: '2.0',
      rawPath: '/',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'ping',
        'x-github-delivery': 'ping-1',
        'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
      },
      body: Buffer.from(body).toString('base64'),
      isBase64Encoded: true,
      requestContext: { http: { method: 'POST', path: '/' } },
    };
  };

  test('webhook answers a signed GitHub ping from a Function URL event (base64 body) with 200 ignored', async () => {
    const res = await invoke('webhook', ping());
    expect(res.result).toMatchObject({ statusCode: 200 });
    expect(JSON.parse(res.result.body!)).toEqual({ ignored: 'ping' });
  });

  // Lambda gives a function its role's credentials in the environment; the bundles read nothing
  // else (shared/runtime/aws-lambda-credentials.ts), not even a profile that would work.
  test('a bundle takes its AWS credentials from the environment only, never from a profile file', async () => {
    const home = mkdtempSync(join(tmpdir(), 'gitferry-bundle-home-'));
    mkdirSync(join(home, '.aws'));
    writeFileSync(
      join(home, '.aws', 'credentials'),
      '[default]\naws_access_key_id = testing\naws_secret_access_key = testing\n',
    );
    try {
      const res = await invoke('webhook', ping(), {
        HOME: home,
        AWS_ACCESS_KEY_ID: undefined,
        AWS_SECRET_ACCESS_KEY: undefined,
        GITFERRY_LOG_LEVEL: 'INFO',
      });
      expect(res.result).toMatchObject({ statusCode: 503 });
      expect(res.log).toContain('CredentialsProviderError');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  test('worker takes an SQS batch and reports no failure for a wake-up of an app that does not exist', async () => {
    const res = await invoke('worker', {
      Records: [
        {
          messageId: 'm1',
          body: JSON.stringify({ app: 'gone', reason: 'webhook', requestedAt: Date.now() }),
          attributes: { ApproximateReceiveCount: '1' },
          eventSource: 'aws:sqs',
        },
      ],
    });
    expect(res.result).toEqual({ batchItemFailures: [] });
  });

  test('worker takes preview jobs: one for an app that is gone, one with malformed PR fields, no failure', async () => {
    const preview = {
      provider: 'github',
      repoUrls: ['https://github.com/acme/shop.git'],
      repo: 'acme/shop',
      number: 1,
      headSha: 'a'.repeat(40),
      headRef: 'feature',
      baseRef: 'main',
      fork: false,
    };
    const res = await invoke(
      'worker',
      {
        Records: [
          { app: 'gone', reason: 'preview', preview, requestedAt: Date.now() },
          {
            app: 'gone',
            reason: 'preview',
            preview: { ...preview, repo: '../../x' },
            requestedAt: Date.now(),
          },
        ].map((job, i) => ({
          messageId: `p${i}`,
          body: JSON.stringify(job),
          attributes: { ApproximateReceiveCount: '1' },
          eventSource: 'aws:sqs',
        })),
      },
      { GITFERRY_LOG_LEVEL: 'INFO' },
    );
    expect(res.result).toEqual({ batchItemFailures: [] });
    // Dispatched to the previewer (not the wake-up handler): its outcomes, not a wake-up's.
    expect(res.log).toContain('"reason":"preview","outcome":"gone"');
    expect(res.log).toContain('"reason":"preview","outcome":"invalid"');
  });

  test('worker reports a malformed message as a batch item failure', async () => {
    const res = await invoke('worker', {
      Records: [{ messageId: 'bad', body: '{', attributes: { ApproximateReceiveCount: '1' } }],
    });
    expect(res.result).toEqual({ batchItemFailures: [{ itemIdentifier: 'bad' }] });
  });

  test('notifier sends a queued job to its service and reports a malformed one as a batch item failure', async () => {
    const received: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push(`${req.method} ${req.url} ${body}`);
        res.writeHead(200).end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const queue = await new SQSClient(awsClientConfig()).send(
        new CreateQueueCommand({ QueueName: uniqueName('bundle-notify') }),
      );
      const notifierEnv = {
        GITFERRY_NOTIFICATIONS: `service.webhook.ops: {url: "http://127.0.0.1:${port}/hook"}`,
        GITFERRY_NOTIFICATION_QUEUE_URL: queue.QueueUrl,
        GITFERRY_ALLOWED_HOSTS: '127.0.0.1/32',
      };
      const n = {
        key: 'on-deployed|ops||abc',
        app: 'shop',
        project: 'default',
        repoURL: 'https://github.com/acme/shop.git',
        trigger: 'on-deployed',
        service: 'ops',
        recipient: '',
        revision: 'a'.repeat(40),
        status: { app: 'shop', sync: { status: 'Synced' }, health: { status: 'Healthy' }, resources: [] },
      };
      const res = await invoke(
        'notifier',
        {
          Records: [
            {
              messageId: 'ok',
              body: JSON.stringify({ kind: 'notifications', attempt: 1, notifications: [n] }),
            },
            { messageId: 'bad', body: '{"kind":"notifications"}' },
          ],
        },
        notifierEnv,
      );
      expect(res.result).toEqual({ batchItemFailures: [{ itemIdentifier: 'bad' }] });
      expect(received).toHaveLength(1);
      expect(received[0]).toMatch(/^POST \/hook \{"app":"shop".*"trigger":"on-deployed"/);
    } finally {
      server.close();
    }
  });

  test('drift checks every app on a scheduled event (none here: nothing enqueued)', async () => {
    const res = await invoke('drift', { source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} });
    expect(res.result).toMatchObject({ apps: 0, clusters: 0, enqueued: 0 });
  });

  const apiRequest = (authorizer?: unknown) => ({
    version: '2.0',
    rawPath: '/api/v1/apps',
    rawQueryString: '',
    headers: { host: 'x.lambda-url.us-east-1.on.aws' },
    requestContext: {
      http: { method: 'GET', path: '/api/v1/apps', sourceIp: '127.0.0.1' },
      domainName: 'x.lambda-url.us-east-1.on.aws',
      ...(authorizer ? { authorizer } : {}),
    },
    isBase64Encoded: false,
  });

  test('api answers a Function URL request from an IAM caller', async () => {
    const res = await invoke(
      'api',
      apiRequest({
        iam: { accountId: '123456789012', userArn: 'arn:aws:sts::123456789012:assumed-role/ops/alice' },
      }),
    );
    expect(res.result).toMatchObject({ statusCode: 200 });
    expect(JSON.parse(res.result.body!)).toEqual({ items: [] });
  });

  test('api refuses an event without the Function URL IAM context (a direct invoke)', async () => {
    const res = await invoke('api', apiRequest());
    expect(res.result).toMatchObject({ statusCode: 403 });
  });
});
