import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { LambdaContext, SqsBatchResponse, SqsEvent } from '../../functions/lambda-events.js';
import type { App } from '../../shared/domain/app.js';
import type { NotificationJob } from '../../shared/ports/notifier.js';
import { startControlPlane, type ControlPlane } from '../support/control-plane.js';
import { execFileAsync, kubectl, testbed, uniqueName } from '../support/testbed.js';
import { startReceiver } from '../unit/notify/receiver.js';

// On AWS the worker only queues notifications; the notifier function sends them. Through the
// Lambda handlers on moto's SQS, DynamoDB and Secrets Manager and the test bed's cluster and git
// server: a sync leaves one job in the notification queue and nothing at the services; the
// notifier handler sends GitHub's pending then success for the synced SHA; a Slack webhook that
// answers 503 is queued again (delayed), and one that refuses (404) becomes the app's
// NotificationError condition.
const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Gitferry Test',
  GIT_AUTHOR_EMAIL: 'test@gitferry.invalid',
  GIT_COMMITTER_NAME: 'Gitferry Test',
  GIT_COMMITTER_EMAIL: 'test@gitferry.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
};
const git = async (cwd: string, ...args: string[]) =>
  (await execFileAsync('git', args, { cwd, env: gitEnv })).stdout.trim();

describe('notifications leave the worker through their own queue', () => {
  let cp: ControlPlane;
  let gh: Awaited<ReturnType<typeof startReceiver>>;
  let slack: Awaited<ReturnType<typeof startReceiver>>;
  let notifierHandler: (e: SqsEvent, c?: LambdaContext) => Promise<SqsBatchResponse>;
  let work: string;
  let repoURL: string;
  const ns = uniqueName('notify-aws');
  const appName = uniqueName('shop');
  const slackAnswers: number[] = [];

  beforeAll(async () => {
    gh = await startReceiver([201]);
    slack = await startReceiver(() => ({ status: slackAnswers.shift() ?? 200, body: 'ok' }));
    cp = await startControlPlane({
      notifications: {
        config: (prefix) => `
service.github:
  apiURL: ${gh.url}/api/v3
  tokenSecret: ${prefix}/github-token
  targetURL: https://gitferry.example.com/applications/{{app.name}}
service.slack:
  webhookURLSecret: ${prefix}/slack-url
`,
        secrets: { 'github-token': 'ghs_aws_token_1234', 'slack-url': `${slack.url}/services/T0/B0/secret` },
      },
    });
    ({ handler: notifierHandler } = await import('../../functions/notifier/handler.js'));
    // An owner/repo path, as on GitHub.
    const name = uniqueName('shop');
    await execFileAsync(
      'git',
      ['init', '--bare', '--initial-branch=main', join(testbed().git.repoRoot, 'acme', `${name}.git`)],
      { env: gitEnv },
    );
    repoURL = `${testbed().git.url}/acme/${name}.git`;
    work = mkdtempSync(join(tmpdir(), 'gitferry-notify-aws-'));
    await git(work, 'init', '--initial-branch=main');
    await git(work, 'remote', 'add', 'origin', repoURL);
  });
  afterAll(async () => {
    cp?.dispose();
    await gh?.close();
    await slack?.close();
    if (work) rmSync(work, { recursive: true, force: true });
    await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
  });

  const push = async (value: string) => {
    mkdirSync(join(work, 'deploy'), { recursive: true });
    writeFileSync(
      join(work, 'deploy', 'settings.yaml'),
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {value: "${value}"}\n`,
    );
    await git(work, 'add', '-A');
    await git(work, 'commit', '-m', value);
    await git(work, 'push', '--quiet', 'origin', 'HEAD:refs/heads/main');
    return git(work, 'rev-parse', 'HEAD');
  };

  /** The jobs in the notification queue, taken out of it as Lambda's event source would. */
  const takeJobs = async (want: number) => {
    const got: { messageId: string; body: string; receipt: string }[] = [];
    // Up to 10 receives for what is wanted; 3 (3 s of long polling) to see that nothing comes.
    for (let i = 0; i < (want === 0 ? 3 : 10) && (want === 0 || got.length < want); i++) {
      const { Messages = [] } = await cp.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: cp.notificationQueueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
        }),
      );
      for (const m of Messages)
        got.push({ messageId: m.MessageId!, body: m.Body!, receipt: m.ReceiptHandle! });
    }
    return got;
  };
  const runNotifier = async (jobs: Awaited<ReturnType<typeof takeJobs>>) => {
    const res = await notifierHandler(
      { Records: jobs.map((j) => ({ messageId: j.messageId, body: j.body })) },
      { awsRequestId: uniqueName('notifier') },
    );
    for (const j of jobs)
      if (!res.batchItemFailures.some((f) => f.itemIdentifier === j.messageId))
        await cp.sqs.send(
          new DeleteMessageCommand({ QueueUrl: cp.notificationQueueUrl, ReceiptHandle: j.receipt }),
        );
    return res;
  };
  const sync = async (sha: string, phases: string[]) => {
    await cp.store.requestSync(appName, { requestedAt: Date.now(), reason: 'webhook', revision: sha });
    await cp.queue.send({ app: appName, reason: 'webhook', revision: sha, requestedAt: Date.now() });
    await cp.drain({
      until: async () => {
        const s = await cp.store.getStatus(appName);
        return s?.operation?.revision === sha && phases.includes(s.operation.phase);
      },
    });
  };

  test('a sync queues one job and sends nothing itself; the notifier sends pending then success for the SHA', async () => {
    const app: App = {
      name: appName,
      project: 'default',
      sources: [{ repoURL, path: 'deploy', targetRevision: 'main' }],
      destination: { name: cp.clusterName, namespace: ns },
      syncPolicy: { automated: { prune: true }, syncOptions: ['CreateNamespace=true'] },
      ignoreDifferences: [],
      revisionHistoryLimit: 10,
      annotations: {
        'notifications.argoproj.io/subscribe.on-sync-running.github': '',
        'notifications.argoproj.io/subscribe.on-deployed.github': '',
        'notifications.argoproj.io/subscribe.on-sync-failed.github': '',
        'notifications.argoproj.io/subscribe.on-sync-failed.slack': 'deploys',
      },
    };
    await cp.store.putApp(app);
    const sha = await push('one');
    await sync(sha, ['Succeeded']);
    await cp.drain();
    expect(gh.requests).toHaveLength(0);
    const jobs = await takeJobs(2);
    const queued = jobs.flatMap((j) => (JSON.parse(j.body) as NotificationJob).notifications);
    expect(queued.map((n) => [n.trigger, n.service, n.revision])).toEqual([
      ['on-sync-running', 'github', sha],
      ['on-deployed', 'github', sha],
    ]);
    expect(queued[0]!.status.resources).toEqual([]);

    expect(await runNotifier(jobs)).toEqual({ batchItemFailures: [] });
    const name = repoURL
      .split('/')
      .pop()!
      .replace(/\.git$/, '');
    expect(gh.requests.map((r) => ({ method: r.method, path: r.path, ...JSON.parse(r.body) }))).toEqual([
      {
        method: 'POST',
        path: `/api/v3/repos/acme/${name}/statuses/${sha}`,
        state: 'pending',
        context: `gitferry/${appName}`,
        description: `Application ${appName} is syncing revision ${sha}.`,
        target_url: `https://gitferry.example.com/applications/${appName}`,
      },
      {
        method: 'POST',
        path: `/api/v3/repos/acme/${name}/statuses/${sha}`,
        state: 'success',
        context: `gitferry/${appName}`,
        description: `Application ${appName} is deployed: revision ${sha} is synced and healthy.`,
        target_url: `https://gitferry.example.com/applications/${appName}`,
      },
    ]);
    expect(gh.requests[0]!.headers.authorization).toBe('Bearer ghs_aws_token_1234');
    console.log(
      `AWS notifier: GitHub stand-in received\n${gh.requests.map((r) => `${r.method} ${r.path} ${r.body}`).join('\n')}`,
    );

    // Drift checks find the same state: nothing more is queued.
    for (let i = 0; i < 3; i++) await cp.drift();
    await cp.drain();
    expect(await takeJobs(0)).toEqual([]);
  });

  test('a failed sync: Slack 503 is queued again delayed, then a 404 is the NotificationError condition', async () => {
    slackAnswers.push(503, 404);
    const broken = await push('two" ]:');
    await sync(broken, ['Failed', 'Error']);
    await cp.drain();
    const jobs = await takeJobs(1);
    expect(await runNotifier(jobs)).toEqual({ batchItemFailures: [] });
    expect(gh.requests.slice(2).map((r) => (JSON.parse(r.body) as { state: string }).state)).toEqual([
      'pending',
      'failure',
    ]);
    expect(slack.requests).toHaveLength(1);
    // The retry is in the queue, delayed by 30 s: its body says attempt 2 and holds the Slack one only.
    const { Messages = [] } = await cp.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: cp.notificationQueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
      }),
    );
    expect(Messages).toHaveLength(0);
    // moto honours DelaySeconds: the retry shows after its 30 s.
    const retryBody = await (async () => {
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        const got = await takeJobs(1);
        if (got.length > 0) return got;
      }
      throw new Error('the retry never became visible');
    })();
    const retry = JSON.parse(retryBody[0]!.body) as NotificationJob;
    expect(retry.attempt).toBe(2);
    expect(retry.notifications.map((n) => [n.trigger, n.service, n.recipient])).toEqual([
      ['on-sync-failed', 'slack', 'deploys'],
    ]);
    expect(await runNotifier(retryBody)).toEqual({ batchItemFailures: [] });
    expect(slack.requests).toHaveLength(2);
    expect(JSON.parse(slack.requests[1]!.body).text).toContain(`failed to sync revision ${broken}`);
    const status = await cp.store.getStatus(appName);
    const condition = status?.conditions?.find((k) => k.type === 'NotificationError');
    expect(condition?.message).toMatch(/slack on-sync-failed: Slack webhook .* answered 404/);
    expect(condition?.message).not.toContain('/services/T0/B0/secret');
    expect(await takeJobs(0)).toEqual([]);
  }, 120_000);
});
