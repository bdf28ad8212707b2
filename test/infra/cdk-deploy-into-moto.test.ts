// `cdk bootstrap` and `cdk deploy` of the real app (infra/app.ts, its esbuild bundles and assets)
// into a private moto server, then what moto created checked against what the construct promises.
// docs/aws-deploy.md ("Trying the stack without an AWS account") is the same recipe for a person.
// Slow (a synth with four esbuild bundles and cdk-nag, then two CloudFormation deployments): about
// a minute and a half alone on two cores.
import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeContinuousBackupsCommand } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awsConfigFromEnv } from '../../shared/runtime/aws-config.js';
import { awsEnvNames } from '../../shared/runtime/aws-env.js';
import {
  motoCall,
  stackResources,
  typesMotoDoesNotModel,
  withoutResourceTypes,
} from '../support/moto-cloudformation.js';
import { startMoto, type MotoHandle } from '../testbed/components/moto.js';
import { stopProcess } from '../testbed/supervisor.js';

const root = new URL('../..', import.meta.url).pathname;
const account = '123456789012';
const region = 'us-east-1';
const secretName = 'gitferry-webhooks/moto/github';

/** Runs the project's own cdk CLI; rejects with its output on a non-zero exit. */
function cdk(args: string[], env: NodeJS.ProcessEnv): Promise<{ output: string; seconds: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'node_modules', 'aws-cdk', 'bin', 'cdk'), ...args], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve({ output, seconds: (Date.now() - started) / 1000 })
        : reject(new Error(`cdk ${args[0]} exited ${code}:\n${output.slice(-4000)}`)),
    );
  });
}

describe('cdk deploy into moto', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gitferry-cdk-moto-'));
  const out = join(dir, 'cdk.out');
  let moto: MotoHandle;
  let removed: Record<string, string>;
  let deployed: Awaited<ReturnType<typeof stackResources>>;
  const times: Record<string, number> = {};
  const aws = () => ({
    endpoint: moto.endpoint,
    region,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  const physical = (type: string, idPrefix: string) =>
    [...deployed].find(([id, r]) => r.type === type && id.startsWith(idPrefix))?.[1].physicalId ?? '';

  beforeAll(async () => {
    moto = await startMoto(dir);
    // Only what the CLI needs: no real credentials or profiles reach it, no notices fetched.
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AWS_ENDPOINT_URL: moto.endpoint,
      // The template URL handed to CloudFormation: moto reads only path-style amazonaws.com URLs
      // (or ones on "localhost") as bucket/key; http://127.0.0.1:<port>/<bucket>/<key> becomes
      // bucket "127" ("The specified bucket does not exist").
      AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION: `https://s3.${region}.amazonaws.com`,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: region,
      CDK_DISABLE_CLI_TELEMETRY: 'true',
    };
    // moto's CloudFormation has no AWS::SecretsManager::Secret: the webhook secret exists first and
    // is named by the construct's own setting.
    const sm = new SecretsManagerClient(aws());
    await sm.send(new CreateSecretCommand({ Name: secretName, SecretString: 'moto-webhook-secret' }));
    sm.destroy();

    const context = ['-c', 'plainYamlOnly=true', '-c', `githubWebhookSecretName=${secretName}`];
    times.synth = (await cdk(['synth', '--no-notices', '-q', '-o', out, ...context], env)).seconds;
    const file = join(out, 'Gitferry.template.json');
    const cut = withoutResourceTypes(JSON.parse(readFileSync(file, 'utf8')), typesMotoDoesNotModel);
    removed = cut.removed;
    writeFileSync(file, JSON.stringify(cut.template));
    const app = ['--app', out, '--no-notices'];
    times.bootstrap = (await cdk(['bootstrap', ...app, `aws://${account}/${region}`], env)).seconds;
    times.deploy = (await cdk(['deploy', ...app, '--require-approval', 'never', 'Gitferry'], env)).seconds;
    deployed = await stackResources(moto.endpoint, 'Gitferry');
    process.stderr.write(
      `[cdk-deploy-into-moto] synth ${times.synth} s, bootstrap ${times.bootstrap} s, deploy ${times.deploy} s; left out for moto: ${JSON.stringify(
        Object.values(removed).reduce<Record<string, number>>((n, t) => ((n[t] = (n[t] ?? 0) + 1), n), {}),
      )}\n`,
    );
  }, 480_000);

  afterAll(async () => {
    if (moto) await stopProcess(moto.process);
    rmSync(dir, { recursive: true, force: true });
  });

  test('creates every resource of the template that moto models', () => {
    const template = JSON.parse(readFileSync(join(out, 'Gitferry.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string }>;
    };
    const wanted = Object.entries(template.Resources)
      .filter(([, r]) => r.Type !== 'AWS::CDK::Metadata')
      .map(([id, r]) => [id, r.Type, 'CREATE_COMPLETE']);
    const got = wanted.map(([id]) => [id, deployed.get(id!)?.type, deployed.get(id!)?.status]);
    expect(got).toEqual(wanted);
    // What was left out is exactly types moto does not model (listed in docs/aws-deploy.md).
    expect(new Set(Object.values(removed))).toEqual(
      new Set([
        'AWS::CloudWatch::Alarm',
        'AWS::Lambda::Url',
        'AWS::SNS::TopicPolicy',
        'AWS::SQS::QueuePolicy',
      ]),
    );
  });

  test('the wake-up queue redrives to a dead-letter queue that keeps messages longer', async () => {
    const sqs = new SQSClient(aws());
    const attrs = async (url: string) =>
      (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }))).Attributes!;
    const queue = await attrs(physical('AWS::SQS::Queue', 'GitferryWakeUpsQueue'));
    const dlq = await attrs(physical('AWS::SQS::Queue', 'GitferryWakeUpsDeadLetters'));
    sqs.destroy();
    const redrive = JSON.parse(queue.RedrivePolicy!) as {
      deadLetterTargetArn: string;
      maxReceiveCount: number;
    };
    expect(redrive.deadLetterTargetArn).toBe(dlq.QueueArn);
    expect(redrive.maxReceiveCount).toBeGreaterThan(1);
    // Six times the worker's 2-minute timeout (docs/aws-deploy.md, section 5).
    expect(queue.VisibilityTimeout).toBe('720');
    expect(Number(dlq.MessageRetentionPeriod)).toBeGreaterThan(Number(queue.MessageRetentionPeriod));
  });

  test('the state table has its keys, index, billing mode and deletion protection', async () => {
    const ddb = new DynamoDBClient(aws());
    const d = (
      await ddb.send(
        new DescribeTableCommand({ TableName: physical('AWS::DynamoDB::Table', 'GitferryStateTable') }),
      )
    ).Table!;
    ddb.destroy();
    expect(d.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(d.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(['gsi1']);
    expect(d.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(d.DeletionProtectionEnabled).toBe(true);
  });

  /** A function as Lambda's GetFunctionConfiguration describes it. */
  async function fn(idPrefix: string) {
    const name = physical('AWS::Lambda::Function', idPrefix);
    return JSON.parse(
      await motoCall(moto.endpoint, 'lambda', { path: `/2015-03-31/functions/${name}/configuration` }),
    ) as {
      FunctionArn: string;
      Runtime: string;
      Architectures: string[];
      Handler: string;
      Timeout: number;
      Layers?: { Arn: string }[];
      Environment?: { Variables: Record<string, string> };
    };
  }

  test('each function runs nodejs22.x with an environment naming the created table, queue and secret', async () => {
    const table = physical('AWS::DynamoDB::Table', 'GitferryStateTable');
    const queueUrl = physical('AWS::SQS::Queue', 'GitferryWakeUpsQueue');
    for (const name of ['Webhook', 'Worker', 'Drift', 'Api']) {
      const f = await fn(`Gitferry${name}Function`);
      expect([name, f.Runtime]).toEqual([name, 'nodejs22.x']);
      const vars = f.Environment?.Variables ?? {};
      expect([name, vars[awsEnvNames.TABLE]]).toEqual([name, table]);
      // Every reference was resolved by CloudFormation: no token or removed resource is left.
      expect(Object.values(vars).filter((v) => /removed:|\$\{Token|Fn::/.test(v))).toEqual([]);
    }
    const worker = await fn('GitferryWorkerFunction');
    // The runtime's own parser reads the deployed environment.
    const config = awsConfigFromEnv({ ...worker.Environment!.Variables, AWS_REGION: region });
    expect([config.tableName, config.queueUrl]).toEqual([table, queueUrl]);
    expect(config.helmBin).toBe('/opt/bin/helm');
    expect(worker.Timeout).toBe(120);
    const webhook = await fn('GitferryWebhookFunction');
    expect(webhook.Environment!.Variables[awsEnvNames.GITHUB_SECRET]).toBe(secretName);
  });

  test('the worker takes wake-ups from the queue in small batches with partial failures', async () => {
    const worker = await fn('GitferryWorkerFunction');
    const queueArn = `arn:aws:sqs:${region}:${account}:${physical('AWS::SQS::Queue', 'GitferryWakeUpsQueue').split('/').pop()}`;
    const { EventSourceMappings: mappings } = JSON.parse(
      await motoCall(moto.endpoint, 'lambda', { path: '/2015-03-31/event-source-mappings/' }),
    ) as {
      EventSourceMappings: {
        FunctionArn: string;
        EventSourceArn: string;
        BatchSize: number;
        State: string;
        FunctionResponseTypes?: string[];
      }[];
    };
    expect(mappings).toEqual([
      expect.objectContaining({
        FunctionArn: worker.FunctionArn,
        EventSourceArn: queueArn,
        BatchSize: 4,
        State: 'Enabled',
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      }),
    ]);
  });

  test('a schedule rule wakes the drift function', async () => {
    const drift = await fn('GitferryDriftFunction');
    const rule = physical('AWS::Events::Rule', 'GitferryDriftSchedule');
    const described = JSON.parse(
      await motoCall(moto.endpoint, 'events', { target: 'AWSEvents.DescribeRule', json: { Name: rule } }),
    ) as { ScheduleExpression: string; State: string };
    expect(described).toEqual(expect.objectContaining({ State: 'ENABLED' }));
    expect(described.ScheduleExpression).toMatch(/^rate\(\d+ minutes?\)$/);
    const { Targets } = JSON.parse(
      await motoCall(moto.endpoint, 'events', {
        target: 'AWSEvents.ListTargetsByRule',
        json: { Rule: rule },
      }),
    ) as { Targets: { Arn: string }[] };
    expect(Targets.map((t) => t.Arn)).toEqual([drift.FunctionArn]);
  });

  test("the webhook's role may read the named webhook secret, and only the worker and drift roles the cluster secrets", async () => {
    /** The statements of a role's inline policy (CDK's DefaultPolicy), as IAM stores them. */
    const statements = async (role: string) => {
      const iam = (form: Record<string, string>) =>
        motoCall(moto.endpoint, 'iam', { form: { Version: '2010-05-08', ...form } });
      const RoleName = physical('AWS::IAM::Role', `Gitferry${role}Role`);
      const listed = await iam({ Action: 'ListRolePolicies', RoleName });
      const names = [...listed.matchAll(/<member>([^<]+)<\/member>/g)].map((m) => m[1]!);
      expect([role, names.length]).toEqual([role, 1]);
      const xml = await iam({ Action: 'GetRolePolicy', RoleName, PolicyName: names[0]! });
      const doc = /<PolicyDocument>([^<]+)<\/PolicyDocument>/.exec(xml)![1]!;
      const json = decodeURIComponent(doc.replaceAll('&quot;', '"').replaceAll('&amp;', '&'));
      return (JSON.parse(json) as { Statement: { Action: string | string[]; Resource: string | string[] }[] })
        .Statement;
    };
    const secretReads = async (role: string) =>
      (await statements(role))
        .filter((st) => ([] as string[]).concat(st.Action).includes('secretsmanager:GetSecretValue'))
        .flatMap((st) => ([] as string[]).concat(st.Resource));
    expect(await secretReads('Webhook')).toEqual([
      `arn:aws:secretsmanager:${region}:${account}:secret:${secretName}-??????`,
    ]);
    for (const role of ['Worker', 'Drift'])
      expect([role, await secretReads(role)]).toEqual([
        role,
        [`arn:aws:secretsmanager:${region}:${account}:secret:gitferry/*`],
      ]);
    expect(await secretReads('Api')).toEqual([]);
  });

  test('moto drops these settings the template makes (its gaps, listed in docs/aws-deploy.md)', async () => {
    const template = JSON.parse(readFileSync(join(out, 'Gitferry.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
      Outputs: Record<string, unknown>;
    };
    const resource = (prefix: string) =>
      Object.entries(template.Resources).find(([id]) => id.startsWith(prefix))![1].Properties;
    const table = physical('AWS::DynamoDB::Table', 'GitferryStateTable');
    const ddb = new DynamoDBClient(aws());
    const pitr = await ddb.send(new DescribeContinuousBackupsCommand({ TableName: table }));
    const ttl = await ddb.send(new DescribeTimeToLiveCommand({ TableName: table }));
    const described = (await ddb.send(new DescribeTableCommand({ TableName: table }))).Table!;
    ddb.destroy();
    const worker = await fn('GitferryWorkerFunction');
    const stacks = await motoCall(moto.endpoint, 'cloudformation', {
      form: { Action: 'DescribeStacks', StackName: 'Gitferry' },
    });
    // [setting, what the template asks for, what moto has after the deployment]
    const gaps = [
      [
        'Table PointInTimeRecoverySpecification',
        resource('GitferryStateTable').PointInTimeRecoverySpecification,
        pitr.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus,
      ],
      [
        'Table TimeToLiveSpecification',
        resource('GitferryStateTable').TimeToLiveSpecification,
        ttl.TimeToLiveDescription?.TimeToLiveStatus,
      ],
      [
        'Table SSESpecification',
        resource('GitferryStateTable').SSESpecification,
        described.SSEDescription ?? 'none',
      ],
      ['Function Architectures', resource('GitferryWorkerFunction').Architectures, worker.Architectures],
      [
        'Function Layers',
        (resource('GitferryWorkerFunction').Layers as unknown[]).length,
        worker.Layers?.length ?? 0,
      ],
      ['Stack Outputs', Object.keys(template.Outputs).length, (stacks.match(/<OutputKey>/g) ?? []).length],
    ];
    // When moto starts applying one of these, this fails: move it to the checks above and drop it
    // from the docs' list of gaps.
    expect(gaps).toEqual([
      ['Table PointInTimeRecoverySpecification', { PointInTimeRecoveryEnabled: true }, 'DISABLED'],
      ['Table TimeToLiveSpecification', { AttributeName: 'ttl', Enabled: true }, 'DISABLED'],
      ['Table SSESpecification', { SSEEnabled: true }, 'none'],
      ['Function Architectures', ['arm64'], ['x86_64']],
      ['Function Layers', 1, 0],
      ['Stack Outputs', expect.any(Number), 0],
    ]);
    expect(Object.keys(template.Outputs).length).toBeGreaterThan(0);
  });
});
