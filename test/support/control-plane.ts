// The AWS control plane on the test bed: moto's DynamoDB, SQS and Secrets Manager, the real
// cluster registered as a token cluster, and the Lambda handlers invoked in-process.
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { createStateTable } from '../../shared/adapters/aws/dynamodb-table.js';
import { DynamoDbStateStore } from '../../shared/adapters/aws/dynamodb-state-store.js';
import { SqsJobQueue } from '../../shared/adapters/aws/sqs-job-queue.js';
import type { HttpResponse, SqsBatchResponse, SqsEvent } from '../../functions/lambda-events.js';
import { awsClientConfig, testbed, uniqueName } from './testbed.js';

export interface ControlPlane {
  store: DynamoDbStateStore;
  queue: SqsJobQueue;
  queueUrl: string;
  dlqUrl: string;
  webhookSecret: string;
  clusterName: string;
  /** Where the cluster's token secret lives: `<clusterSecretPrefix><clusterName>/token`. */
  clusterSecretPrefix: string;
  webhook: (event: {
    headers: Record<string, string>;
    body: string;
    isBase64Encoded?: boolean;
  }) => Promise<HttpResponse>;
  worker: (event: SqsEvent) => Promise<SqsBatchResponse>;
  drift: () => Promise<{ enqueued: number; apps: number; unchanged: number }>;
  /** Feeds queued wake-ups to the worker as Lambda's SQS event source would, until `until` holds or the queue stays empty. */
  drain: (opts?: {
    until?: () => Promise<boolean>;
    timeoutMs?: number;
    /** Sees each message body handed to the worker (e.g. to check which deliveries were woken). */
    onBody?: (body: string) => void;
  }) => Promise<number>;
  queueDepth: () => Promise<{ visible: number; delayed: number; inFlight: number }>;
  /** Messages waiting in the dead-letter queue. */
  dlqDepth: () => Promise<number>;
  /**
   * Bodies of up to 10 messages visible now, left in the queue (received with a zero visibility
   * timeout; each counts as one receive towards the dead-letter queue).
   */
  peekVisible: () => Promise<string[]>;
  dispose: () => void;
  sqs: SQSClient;
  /** The notification queue and its dead-letter queue (with `notifications`). */
  notificationQueueUrl?: string;
  notificationDlqUrl?: string;
}

/** Sets up the AWS resources and the handlers' environment, then loads the handlers. */
export interface ControlPlaneOptions {
  /** Seconds a received wake-up stays hidden (short in tests that need redeliveries). */
  visibilityTimeout?: number;
  /** Git credentials per URL prefix, stored as secrets the worker reads. */
  repoCredentials?: { urlPrefix: string; value: string }[];
  /**
   * Notifications off the worker's path: a notification queue (with a dead-letter queue) and the
   * configuration, given the prefix its secrets are stored under (`<prefix>/<key>` for each key
   * of `secrets`).
   */
  notifications?: { config: (secretPrefix: string) => string; secrets: Record<string, string> };
}

export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const bed = testbed();
  const aws = awsClientConfig();
  const id = uniqueName('cp');
  const workDir = mkdtempSync(join(tmpdir(), 'gitferry-cp-'));
  const dynamodb = new DynamoDBClient(aws);
  const sqs = new SQSClient(aws);
  const secrets = new SecretsManagerClient(aws);
  const tableName = `${id}-state`;
  await createStateTable(dynamodb, tableName);
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${id}-dlq` }));
  const dlqArn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }))
  ).Attributes!.QueueArn!;
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: `${id}-jobs`,
      Attributes: {
        VisibilityTimeout: String(opts.visibilityTimeout ?? 30),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: '3' }),
      },
    }),
  );
  const webhookSecret = `whsec-${id}`;
  await secrets.send(new CreateSecretCommand({ Name: `${id}/github-webhook`, SecretString: webhookSecret }));
  // A cluster's token can only be its own secret, `<prefix><cluster>/token`.
  const clusterSecretPrefix = `${id}/clusters/`;
  await secrets.send(
    new CreateSecretCommand({ Name: `${clusterSecretPrefix}testbed/token`, SecretString: bed.kube.token }),
  );
  await secrets.send(
    new CreateSecretCommand({ Name: `${id}/gitlab-webhook`, SecretString: `gitlab-${webhookSecret}` }),
  );
  const credentialRules = [];
  for (const [i, c] of (opts.repoCredentials ?? []).entries()) {
    await secrets.send(new CreateSecretCommand({ Name: `${id}/repo-${i}`, SecretString: c.value }));
    credentialRules.push({ urlPrefix: c.urlPrefix, secret: `${id}/repo-${i}` });
  }

  let notificationQueueUrl: string | undefined;
  let notificationDlqUrl: string | undefined;
  if (opts.notifications) {
    for (const [key, value] of Object.entries(opts.notifications.secrets))
      await secrets.send(new CreateSecretCommand({ Name: `${id}/${key}`, SecretString: value }));
    notificationDlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${id}-notify-dlq` })))
      .QueueUrl!;
    const arn = (
      await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: notificationDlqUrl, AttributeNames: ['QueueArn'] }),
      )
    ).Attributes!.QueueArn!;
    notificationQueueUrl = (
      await sqs.send(
        new CreateQueueCommand({
          QueueName: `${id}-notify`,
          Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: '3' }) },
        }),
      )
    ).QueueUrl!;
    Object.assign(process.env, {
      GITFERRY_NOTIFICATIONS: opts.notifications.config(id),
      GITFERRY_NOTIFICATION_QUEUE_URL: notificationQueueUrl,
    });
  }
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: bed.awsEndpoint,
    AWS_REGION: aws.region,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    GITFERRY_TABLE: tableName,
    GITFERRY_QUEUE_URL: queue.QueueUrl,
    GITFERRY_WORK_DIR: workDir,
    GITFERRY_HELM: bed.bin.helm,
    GITFERRY_KUSTOMIZE: bed.bin.kustomize,
    GITFERRY_GITHUB_SECRET: `${id}/github-webhook`,
    GITFERRY_GITLAB_SECRET: `${id}/gitlab-webhook`,
    GITFERRY_ALLOWED_HOSTS: '127.0.0.1/32',
    GITFERRY_CLUSTER_SECRET_PREFIX: clusterSecretPrefix,
    GITFERRY_DRIFT_JITTER_SECONDS: '1',
    GITFERRY_REPO_CREDENTIALS: JSON.stringify(credentialRules),
    GITFERRY_LOG_LEVEL: process.env.GITFERRY_LOG_LEVEL ?? 'ERROR',
  });
  const store = new DynamoDbStateStore(dynamodb, tableName);
  const jobQueue = new SqsJobQueue(sqs, queue.QueueUrl!);
  const clusterName = 'testbed';
  await store.putCluster({
    name: clusterName,
    type: 'kubeconfig',
    server: bed.kube.server,
    caData: readFileSync(bed.kube.caFile).toString('base64'),
    tokenSecret: `${clusterSecretPrefix}${clusterName}/token`,
  });

  const { handler: webhook } = await import('../../functions/webhook/handler.js');
  const { handler: worker } = await import('../../functions/worker/handler.js');
  const { handler: drift } = await import('../../functions/drift/handler.js');

  const queueDepth = async () => {
    const a = (
      await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queue.QueueUrl,
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesDelayed',
            'ApproximateNumberOfMessagesNotVisible',
          ],
        }),
      )
    ).Attributes!;
    return {
      visible: Number(a.ApproximateNumberOfMessages),
      delayed: Number(a.ApproximateNumberOfMessagesDelayed),
      inFlight: Number(a.ApproximateNumberOfMessagesNotVisible),
    };
  };

  const dlqDepth = async () =>
    Number(
      (
        await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: dlq.QueueUrl,
            AttributeNames: ['ApproximateNumberOfMessages'],
          }),
        )
      ).Attributes!.ApproximateNumberOfMessages,
    );

  const peekVisible = async () => {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queue.QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }),
    );
    return Messages.map((m) => m.Body ?? '');
  };

  const drain: ControlPlane['drain'] = async ({ until, timeoutMs = 60_000, onBody } = {}) => {
    const deadline = Date.now() + timeoutMs;
    let handled = 0;
    let failed = 0;
    while (Date.now() < deadline) {
      if (until && (await until())) return handled;
      // Raw messages, as Lambda's event source hands them over (a poison body included).
      const received = (
        (
          await sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: queue.QueueUrl,
              MaxNumberOfMessages: 10,
              WaitTimeSeconds: 1,
              MessageSystemAttributeNames: ['ApproximateReceiveCount'],
            }),
          )
        ).Messages ?? []
      ).map((m) => ({
        body: m.Body ?? '',
        receipt: m.ReceiptHandle!,
        receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 1),
      }));
      if (received.length === 0) {
        const depth = await queueDepth();
        if (!until && depth.visible + depth.delayed + depth.inFlight === 0) return handled;
        continue;
      }
      for (const r of received) onBody?.(r.body);
      const event: SqsEvent = {
        Records: received.map((r, i) => ({
          messageId: String(i),
          body: r.body,
          attributes: { ApproximateReceiveCount: String(r.receiveCount) },
        })),
      };
      const result = await worker(event, { awsRequestId: uniqueName('invocation') });
      const failures = new Set(result.batchItemFailures.map((f) => f.itemIdentifier));
      failed += failures.size;
      // Lambda deletes what succeeded; failures become visible again after the visibility timeout.
      await Promise.all(
        received.filter((_, i) => !failures.has(String(i))).map((r) => jobQueue.delete(r.receipt)),
      );
      handled += received.length;
    }
    if (until) {
      // What a failure on a loaded CI machine needs to be diagnosed from its output alone.
      const depth = await queueDepth();
      const dlq = await dlqDepth();
      throw new Error(
        `the control plane did not reach the expected state within ${timeoutMs / 1000} s ` +
          `(wake-ups handled ${handled}, failed ${failed}; queue ${JSON.stringify(depth)}, dead-letter ${dlq})`,
      );
    }
    return handled;
  };

  return {
    store,
    queue: jobQueue,
    queueUrl: queue.QueueUrl!,
    dlqUrl: dlq.QueueUrl!,
    webhookSecret,
    clusterName,
    clusterSecretPrefix,
    webhook: (e) => webhook(e),
    worker: (e) => worker(e),
    drift,
    drain,
    queueDepth,
    dlqDepth,
    peekVisible,
    sqs,
    notificationQueueUrl,
    notificationDlqUrl,
    dispose: () => {
      rmSync(workDir, { recursive: true, force: true });
      dynamodb.destroy();
      sqs.destroy();
      secrets.destroy();
    },
  };
}

/** A GitLab Push Hook for a real commit on the test bed's git server, with GitLab's token header. */
export function gitlabPush(opts: {
  repoUrl: string;
  sha: string;
  token: string;
  branch?: string;
  idempotencyKey?: string;
}) {
  const template = JSON.parse(
    readFileSync(fileURLToPath(new URL('../fixtures/webhooks/gitlab-push.json', import.meta.url)), 'utf8'),
  );
  const payload = {
    ...template,
    ref: `refs/heads/${opts.branch ?? 'main'}`,
    after: opts.sha,
    checkout_sha: opts.sha,
    project: {
      ...template.project,
      git_http_url: opts.repoUrl,
      http_url: opts.repoUrl,
      web_url: opts.repoUrl.replace(/\.git$/, ''),
    },
    repository: {
      ...template.repository,
      git_http_url: opts.repoUrl,
      url: opts.repoUrl,
      homepage: opts.repoUrl.replace(/\.git$/, ''),
    },
    commits: [],
    total_commits_count: 0,
  };
  return {
    headers: {
      'content-type': 'application/json',
      'x-gitlab-event': 'Push Hook',
      'x-gitlab-token': opts.token,
      'idempotency-key': opts.idempotencyKey ?? uniqueName('gitlab-delivery'),
    },
    body: JSON.stringify(payload),
  };
}

/** A GitHub push delivery for a real commit on the test bed's git server, signed like GitHub signs it. */
export function githubPush(opts: {
  repoUrl: string;
  sha: string;
  before?: string;
  branch?: string;
  secret: string;
  deliveryId?: string;
  files?: string[];
}) {
  const template = JSON.parse(
    readFileSync(fileURLToPath(new URL('../fixtures/webhooks/github-push.json', import.meta.url)), 'utf8'),
  );
  const payload = {
    ...template,
    ref: `refs/heads/${opts.branch ?? 'main'}`,
    before: opts.before ?? '0'.repeat(40),
    after: opts.sha,
    created: false,
    deleted: false,
    forced: false,
    repository: {
      ...template.repository,
      clone_url: opts.repoUrl,
      html_url: opts.repoUrl.replace(/\.git$/, ''),
      git_url: opts.repoUrl,
      ssh_url: opts.repoUrl,
    },
    head_commit: {
      ...template.head_commit,
      id: opts.sha,
      added: opts.files ?? [],
      modified: [],
      removed: [],
    },
    commits: [
      { ...(template.commits?.[0] ?? {}), id: opts.sha, added: opts.files ?? [], modified: [], removed: [] },
    ],
  };
  const body = JSON.stringify(payload);
  const signature = `sha256=${createHmac('sha256', opts.secret).update(body).digest('hex')}`;
  return {
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': opts.deliveryId ?? uniqueName('delivery'),
      'x-hub-signature-256': signature,
    },
    body,
  };
}
