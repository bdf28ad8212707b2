import { sourceLimitsWith } from '../shared/source/types.js';
import { Aws, Duration, RemovalPolicy, Size, Stack, Validations } from 'aws-cdk-lib';
import { Port, type ISecurityGroup, type IVpc, type SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { FunctionUrlAuthType, RecursiveLoop, Tracing, type FunctionUrl } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Construct } from 'constructs';
import type { RepoCredentialRule } from '../shared/control/repo-credentials.js';
import { ClusterAccess, type ClusterAccessScope } from './cluster-access.js';
import {
  addSignIn,
  type GitferryRbacProps,
  type GitferrySignInProps,
  type GitferrySignInResources,
} from './sign-in.js';
import { GitferryAlarms } from './gitferry-alarms.js';
import { WebhookFirewall } from './webhook-firewall.js';
import { GitferryFunction } from './gitferry-function.js';
import { OperationsDashboard } from './operations-dashboard.js';
import { StateTable } from './state-table.js';
import { grantStateRead, grantStateReadWrite, grantWebhookIntake } from './table-access.js';
import { ToolsLayer } from './tools-layer.js';
import { WakeUpQueue } from './wake-up-queue.js';
import { awsEnvNames, type AwsEnvKey } from '../shared/runtime/aws-env.js';

/** Memory (MiB) per function. */
export interface GitferryMemorySizes {
  /** @default 512 */
  readonly webhook?: number;
  /** Rendering and applying thousands of objects: more memory is also more CPU. @default 2048 */
  readonly worker?: number;
  /** @default 256 */
  readonly drift?: number;
  /** @default 512 */
  readonly api?: number;
}

export interface GitferryDeployerProps {
  /**
   * EKS clusters Gitferry may deploy to, in this stack's account and region: names or ARNs. Each
   * gets an access entry for the worker role (the only one that reaches clusters), which may call
   * eks:DescribeCluster on them (and on no other cluster). @default none (register clusters with
   * a role to assume instead)
   */
  readonly clusters?: string[];
  /**
   * What the worker may do in those clusters: namespaces (AmazonEKSAdminPolicy on those only),
   * Kubernetes groups (the cluster's RBAC decides) or cluster scope (opt-in). Required with
   * `clusters`: no default grants a whole cluster.
   */
  readonly clusterAccess?: ClusterAccessScope;
  /** Roles the worker may assume to reach clusters elsewhere (Cluster.roleArn). @default none */
  readonly assumableRoleArns?: string[];
  /**
   * Name of an existing Secrets Manager secret holding the GitHub webhook secret.
   * @default a new secret with a generated value, named `gitferry-webhooks/<stack name>/github`
   * and retained when the stack is deleted (GitHub keeps signing with it)
   */
  readonly githubWebhookSecretName?: string;
  /** Name of an existing secret holding the GitLab webhook token. @default GitLab webhooks refused */
  readonly gitlabWebhookSecretName?: string;
  /**
   * The worker may read secrets whose names start with this (cluster tokens, repo credentials).
   * @default 'gitferry/'
   */
  readonly secretsPrefix?: string;
  /** Git credentials by URL prefix; `secret` names a secret under `secretsPrefix`. @default none */
  readonly repoCredentials?: RepoCredentialRule[];
  /** Git hosts or CIDRs allowed past the private-address guard (DESIGN.md rule 6). @default none */
  readonly allowedHosts?: string[];
  /**
   * Notification services and templates, as YAML or JSON text (docs/notifications.md); the
   * secrets they name must be under `secretsPrefix`. @default no notifications
   */
  readonly notifications?: string;
  /**
   * With `notifications`: send them from a notifier function fed by its own queue (with a
   * dead-letter queue and an alarm), so a slow service never holds a sync step. `false` sends them
   * from the worker after its step. @default true
   */
  readonly notificationQueue?: boolean;
  /** How often every app gets a drift wake-up. @default rate(3 minutes) */
  readonly driftSchedule?: Schedule;
  /** Spread of drift wake-ups, so apps do not all sync at once. @default 60 seconds */
  readonly driftJitter?: Duration;
  /** @default see GitferryMemorySizes */
  readonly memory?: GitferryMemorySizes;
  /**
   * One worker invocation; long waits are delayed wake-ups, never sleeps. Records not finished
   * 5 s before it are given back for a retry in seconds. @default 2 minutes
   */
  readonly workerTimeout?: Duration;
  /** Wake-ups per worker invocation. @default 4 */
  readonly workerBatchSize?: number;
  /** Wake-ups of one batch worked on at once. @default 2 */
  readonly workerParallelism?: number;
  /**
   * Files and directories one checkout may hold (1,000 to 1,000,000): a monorepo of thousands of
   * apps has more than the default. @default 20000
   */
  readonly repoMaxFiles?: number;
  /**
   * Concurrent webhook invocations (reserved concurrency): a flood of unsigned requests cannot
   * take the account's concurrency from the worker. `'none'` reserves nothing (accounts whose
   * concurrency quota is too small to reserve any: Lambda keeps 100 unreserved). @default 10
   */
  readonly webhookReservedConcurrency?: number | 'none';
  /**
   * CloudFront with a WAF rate-based rule in front of the webhook; the Function URL then refuses
   * requests that did not come through it. @default none (the Function URL is the endpoint)
   */
  readonly webhookFirewall?: { rateLimitPer5Minutes?: number; webAclArn?: string };
  /**
   * IAM principals (role or user ARNs) the API accepts; an assumed-role session matches its role.
   * Callers also need lambda:InvokeFunctionUrl. @default every caller IAM lets through (logged)
   */
  readonly apiAllowedPrincipals?: string[];
  /**
   * OIDC sign-in for browsers and the CLI without IAM credentials (a second, NONE-auth Function
   * URL; the IAM one stays for SigV4 automation), or a new Cognito user pool. @default IAM only
   */
  readonly signIn?: GitferrySignInProps;
  /** RBAC policy, default role and the role of IAM callers (docs/rbac.md). @default built-in roles; IAM callers admin */
  readonly rbac?: GitferryRbacProps;
  /** Days audit entries are kept (DynamoDB TTL on each entry). @default 90 */
  readonly auditRetentionDays?: number;
  /** Concurrent worker invocations the queue may start (protects clusters and the table). @default 10 */
  readonly workerMaxConcurrency?: number;
  /** /tmp for checkouts and renders. @default 2048 MiB */
  readonly workerEphemeralStorage?: Size;
  /** @default one month */
  readonly logRetention?: RetentionDays;
  /** Runs the worker and API in this VPC (private EKS endpoints; give it NAT or VPC endpoints). @default no VPC */
  readonly vpc?: IVpc;
  /** @default the VPC's private subnets with egress */
  readonly vpcSubnets?: SubnetSelection;
  /** @default a security group created by Lambda for the worker (all egress) */
  readonly securityGroups?: ISecurityGroup[];
  /**
   * Security groups of private EKS endpoints (the clusters' cluster security groups): each gets an
   * ingress rule for HTTPS from the worker's security group. Needs `vpc`. @default none
   */
  readonly clusterSecurityGroups?: ISecurityGroup[];
  /**
   * A directory with bin/helm and bin/kustomize for linux/arm64, made by infra/build-tools-layer.sh.
   * Without it synth fails, unless `plainYamlOnly` says no app needs them.
   */
  readonly toolsLayerPath?: string;
  /** Every app is plain YAML: a placeholder tools layer is fine. @default false */
  readonly plainYamlOnly?: boolean;
  /** Encrypts the table with this customer managed key. @default the AWS managed key */
  readonly tableEncryptionKey?: IKey;
  /** Where every alarm notifies. @default a new encrypted topic (output AlarmTopicArn) */
  readonly alarmTopic?: ITopic;
  /** An e-mail address subscribed to the alarm topic. @default none */
  readonly alarmEmail?: string;
  /**
   * X-Ray active tracing on every function (Lambda's own segments: invocation, init, SDK calls
   * are not instrumented, @aws-lambda-powertools/tracer is not a dependency). @default false
   */
  readonly tracing?: boolean;
}

function auditRetentionDays(days: number): number {
  if (!Number.isInteger(days) || days < 1 || days > 3650)
    throw new Error(`auditRetentionDays: a whole number of days from 1 to 3650, not ${days}`);
  return days;
}

function reservedConcurrency(v: number | 'none' | undefined): number | undefined {
  if (v === 'none') return undefined;
  const n = v ?? defaultGitferryDeployerProps.webhookReservedConcurrency;
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`webhookReservedConcurrency: a whole number ≥ 1 or 'none', not ${JSON.stringify(v)}`);
  return n;
}

export const defaultGitferryDeployerProps = {
  clusters: [] as string[],
  assumableRoleArns: [] as string[],
  secretsPrefix: 'gitferry/',
  driftSchedule: Schedule.rate(Duration.minutes(3)),
  driftJitter: Duration.seconds(60),
  memory: { webhook: 512, worker: 2048, drift: 256, api: 512 },
  workerTimeout: Duration.minutes(2),
  workerBatchSize: 4,
  workerParallelism: 2,
  webhookReservedConcurrency: 10,
  workerMaxConcurrency: 10,
  workerEphemeralStorage: Size.mebibytes(2048),
  logRetention: RetentionDays.ONE_MONTH,
} as const;

/**
 * Gitferry in an AWS account: the public webhook and IAM-authenticated API (Function URLs), the
 * wake-up queue with its dead-letter queue, the worker, the drift schedule, the state table, EKS
 * access, a dashboard. Each function's role allows its own actions on its own resources only.
 */
export class GitferryDeployer extends Construct {
  readonly table: StateTable['table'];
  readonly queue: WakeUpQueue;
  readonly webhook: GitferryFunction;
  readonly worker: GitferryFunction;
  readonly drift: GitferryFunction;
  readonly api: GitferryFunction;
  readonly webhookUrl: FunctionUrl;
  readonly apiUrl: FunctionUrl;
  /** Sign-in (its Function URL, session secret, Cognito pool), when `signIn` is given. */
  readonly signIn?: GitferrySignInResources;
  /** The GitHub webhook secret (the generated one, or the one named in the props). */
  readonly githubWebhookSecret: ISecret;
  readonly toolsLayer: ToolsLayer;
  readonly dashboard: OperationsDashboard;
  readonly alarms: GitferryAlarms;
  /** CloudFront and WAF in front of the webhook, when asked for. */
  readonly webhookFirewall?: WebhookFirewall;
  /** Where Git providers send webhooks: the CloudFront URL with a firewall, else the Function URL. */
  readonly webhookEndpoint: string;
  /** The notification queue and the function that sends its jobs (with `notifications`). */
  readonly notificationQueue?: WakeUpQueue;
  readonly notifier?: GitferryFunction;

  constructor(scope: Construct, id: string, props: GitferryDeployerProps = {}) {
    super(scope, id);
    const d = defaultGitferryDeployerProps;
    const memory = { ...d.memory, ...props.memory };
    const logRetention = props.logRetention ?? d.logRetention;
    const workerTimeout = props.workerTimeout ?? d.workerTimeout;
    if (workerTimeout.toSeconds() < 20 || workerTimeout.toSeconds() > 900)
      throw new Error(`workerTimeout: between 20 s and 15 min, not ${workerTimeout.toSeconds()} s`);
    const secretsPrefix = props.secretsPrefix ?? d.secretsPrefix;
    // Refused at synth, as the worker would refuse it at its first start.
    if (props.repoMaxFiles !== undefined) sourceLimitsWith('repoMaxFiles', props.repoMaxFiles);

    this.table = new StateTable(this, 'State', { encryptionKey: props.tableEncryptionKey }).table;
    this.queue = new WakeUpQueue(this, 'WakeUps', { workerTimeout });
    const queue = this.queue.queue;
    const tracing = props.tracing ? Tracing.ACTIVE : undefined;

    // Per stack, so two installations in one account do not share (or delete) one secret.
    const githubSecretName =
      props.githubWebhookSecretName ?? `gitferry-webhooks/${Stack.of(this).stackName}/github`;
    this.githubWebhookSecret = props.githubWebhookSecretName
      ? Secret.fromSecretNameV2(this, 'GithubWebhookSecret', props.githubWebhookSecretName)
      : new Secret(this, 'GithubWebhookSecret', {
          secretName: githubSecretName,
          description:
            'Gitferry: the secret GitHub signs webhook deliveries with (paste it into the webhook settings)',
          generateSecretString: { passwordLength: 40, excludePunctuation: true },
          // GitHub keeps signing with it: a redeployed stack must find the same secret.
          removalPolicy: RemovalPolicy.RETAIN,
        });
    if (this.githubWebhookSecret instanceof Secret) {
      Validations.of(this.githubWebhookSecret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'The webhook secret is also stored in GitHub, which has no rotation hook: rotating it is a manual, two-sided change.',
      });
    }
    const gitlabSecret = props.gitlabWebhookSecretName
      ? Secret.fromSecretNameV2(this, 'GitlabWebhookSecret', props.gitlabWebhookSecretName)
      : undefined;

    const common = { TABLE: this.table.tableName, QUEUE_URL: queue.queueUrl };
    // Names from the runtime's own table: a key it does not read fails the typecheck.
    const env = (extra: Partial<Record<AwsEnvKey, string>>) =>
      Object.fromEntries(
        Object.entries({ ...common, ...extra })
          .filter((e): e is [AwsEnvKey, string] => e[1] !== undefined)
          .map(([k, v]) => [awsEnvNames[k], v]),
      );
    const vpcProps = { vpc: props.vpc, vpcSubnets: props.vpcSubnets, securityGroups: props.securityGroups };

    this.webhook = new GitferryFunction(this, 'Webhook', {
      name: 'webhook',
      description: 'Gitferry webhook: verify, match apps, enqueue wake-ups',
      memorySize: memory.webhook,
      // GitHub gives up after 10 s; the handler answers within 8 s.
      timeout: Duration.seconds(10),
      logRetention,
      tracing,
      reservedConcurrentExecutions: reservedConcurrency(props.webhookReservedConcurrency),
      environment: env({
        // The plain name (Secrets Manager accepts it as SecretId), not the parsed-ARN token CDK offers.
        GITHUB_SECRET: githubSecretName,
        GITLAB_SECRET: props.gitlabWebhookSecretName,
      }),
    });
    // It lists apps, records deliveries and wanted revisions: Query and PutItem, nothing more.
    grantWebhookIntake(this.table, this.webhook.role);
    queue.grantSendMessages(this.webhook.role);
    this.githubWebhookSecret.grantRead(this.webhook.role);
    gitlabSecret?.grantRead(this.webhook.role);
    // Public on purpose: GitHub and GitLab cannot sign AWS requests; the function verifies signatures.
    this.webhookUrl = this.webhook.fn.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });
    if (props.webhookFirewall) {
      this.webhookFirewall = new WebhookFirewall(this, 'WebhookFirewall', {
        url: this.webhookUrl,
        ...props.webhookFirewall,
      });
      this.webhook.fn.addEnvironment(awsEnvNames.WEBHOOK_ORIGIN_VERIFY, this.webhookFirewall.originVerify);
    }
    this.webhookEndpoint = this.webhookFirewall
      ? `https://${this.webhookFirewall.distribution.distributionDomainName}/`
      : this.webhookUrl.url;

    this.toolsLayer = new ToolsLayer(this, 'Tools', {
      path: props.toolsLayerPath,
      plainYamlOnly: props.plainYamlOnly,
    });
    // One notifier invocation sends one batch of jobs, each request within 10 s.
    const notifierTimeout = Duration.seconds(60);
    if (props.notifications && props.notificationQueue !== false)
      this.notificationQueue = new WakeUpQueue(this, 'Notifications', {
        workerTimeout: notifierTimeout,
        deadLetterDescription:
          'Gitferry notification jobs failed 5 times and reached the dead-letter queue (the store or queue was down, or a body was no job): read the notifier logs, fix, then redrive.',
      });

    this.worker = new GitferryFunction(this, 'Worker', {
      name: 'worker',
      description: 'Gitferry worker: one sync step per wake-up',
      memorySize: memory.worker,
      timeout: workerTimeout,
      ephemeralStorage: props.workerEphemeralStorage ?? d.workerEphemeralStorage,
      logRetention,
      tracing,
      layers: [this.toolsLayer.layer],
      // The worker wakes itself through its own queue by design (a wave or hook waiting, health
      // Progressing, a retry): with Lambda's default loop detection a long sync would be cut off
      // after about 16 hops and sent to the dead-letter queue. Every chain is bounded in the code
      // instead (shared/control/wake-bounds.ts, waits backing off 2 → 5 → 10 → 30 s): 120 wake-ups
      // per operation (and the sync timeout, 30 min), 40 health rechecks, 20 busy retries, retries by
      // the retry limit. The RecursiveInvocationsDropped alarm says if Lambda ever cuts one off.
      recursiveLoop: RecursiveLoop.ALLOW,
      ...vpcProps,
      environment: env({
        WORKER_PARALLELISM: String(props.workerParallelism ?? d.workerParallelism),
        REPO_MAX_FILES: props.repoMaxFiles === undefined ? undefined : String(props.repoMaxFiles),
        // A record is started only while this much is left: a quarter of the timeout, at most 30 s.
        WORKER_START_BUDGET_MS: String(Math.min(30_000, workerTimeout.toMilliseconds() / 4)),
        // A worker cannot outlive its timeout: a dead one's apps are free again that soon.
        LEASE_TTL_SECONDS: String(workerTimeout.toSeconds()),
        HELM: '/opt/bin/helm',
        KUSTOMIZE: '/opt/bin/kustomize',
        JSONNET: '/opt/bin/jsonnet',
        WORK_DIR: '/tmp/gitferry',
        REPO_CREDENTIALS: props.repoCredentials?.length ? JSON.stringify(props.repoCredentials) : undefined,
        ALLOWED_HOSTS: props.allowedHosts?.length ? props.allowedHosts.join(',') : undefined,
        NOTIFICATIONS: props.notifications || undefined,
        NOTIFICATION_QUEUE_URL: this.notificationQueue?.queue.queueUrl,
        // A cluster's token is only ever read from `<this><cluster>/token` (cluster-credentials.ts).
        CLUSTER_SECRET_PREFIX: `${secretsPrefix}clusters/`,
      }),
    });
    grantStateReadWrite(this.table, this.worker.role);
    queue.grantSendMessages(this.worker.role);
    this.worker.fn.addEventSource(
      new SqsEventSource(queue, {
        // Few records per invocation: one slow step holds up few others, and the remaining-time
        // guard (functions/worker/batch.ts) gives back what it could not finish.
        batchSize: props.workerBatchSize ?? d.workerBatchSize,
        reportBatchItemFailures: true,
        maxConcurrency: props.workerMaxConcurrency ?? d.workerMaxConcurrency,
      }),
    );
    // Cluster tokens and repo credentials: named by users at registration time, so a prefix.
    const secretsUnderPrefix = `arn:${Aws.PARTITION}:secretsmanager:${Aws.REGION}:${Aws.ACCOUNT_ID}:secret:${secretsPrefix}*`;
    this.worker.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secretsUnderPrefix] }),
    );
    Validations.of(this.worker.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${secretsPrefix}*]`,
      reason:
        'Cluster tokens and repository credentials are secrets users name at registration time; the worker reads only those under the Gitferry prefix.',
    });

    if (this.notificationQueue) {
      const notifications = this.notificationQueue.queue;
      notifications.grantSendMessages(this.worker.role);
      this.notifier = new GitferryFunction(this, 'Notifier', {
        name: 'notifier',
        description: 'Gitferry notifier: sends queued notifications (GitHub, GitLab, Slack, webhooks)',
        memorySize: 256,
        timeout: notifierTimeout,
        logRetention,
        tracing,
        // Not in the VPC: it reaches GitHub, GitLab and Slack, never a cluster.
        environment: env({
          NOTIFICATIONS: props.notifications,
          NOTIFICATION_QUEUE_URL: notifications.queueUrl,
          ALLOWED_HOSTS: props.allowedHosts?.length ? props.allowedHosts.join(',') : undefined,
        }),
      });
      // Leases and the NotificationError condition; retries go back to its own queue, delayed
      // (6 tries at most: far below Lambda's recursive-loop cut-off, which stays on).
      grantStateReadWrite(this.table, this.notifier.role);
      notifications.grantSendMessages(this.notifier.role);
      this.notifier.fn.addEventSource(
        new SqsEventSource(notifications, {
          batchSize: 10,
          reportBatchItemFailures: true,
          maxConcurrency: 5,
        }),
      );
      this.notifier.role.addToPrincipalPolicy(
        new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secretsUnderPrefix] }),
      );
      Validations.of(this.notifier.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${secretsPrefix}*]`,
        reason:
          'Notification tokens, App keys and webhook URLs are secrets the notifications configuration names; the notifier reads only those under the Gitferry prefix.',
      });
    }

    this.drift = new GitferryFunction(this, 'Drift', {
      name: 'drift',
      description: 'Gitferry drift check: one pass per cluster; wakes the worker only for apps that moved',
      memorySize: memory.drift,
      // One pass over every cluster: about 2.5 s for 1,000 apps in the cost model (npm run cost).
      timeout: Duration.minutes(5),
      logRetention,
      tracing,
      // It reads the clusters (one LIST per kind and namespace), so it sits where the worker does.
      ...vpcProps,
      environment: env({
        DRIFT_JITTER_SECONDS: String((props.driftJitter ?? d.driftJitter).toSeconds()),
        REPO_CREDENTIALS: props.repoCredentials?.length ? JSON.stringify(props.repoCredentials) : undefined,
        ALLOWED_HOSTS: props.allowedHosts?.length ? props.allowedHosts.join(',') : undefined,
        CLUSTER_SECRET_PREFIX: `${secretsPrefix}clusters/`,
      }),
    });
    // Reads only: the table, branch heads (repo credentials), cluster tokens, the clusters (view).
    grantStateRead(this.table, this.drift.role);
    queue.grantSendMessages(this.drift.role);
    this.drift.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secretsUnderPrefix] }),
    );
    Validations.of(this.drift.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${secretsPrefix}*]`,
      reason:
        'The drift check reads branch heads and live objects with the same cluster tokens and repository credentials as the worker, under the Gitferry prefix only.',
    });
    new Rule(this, 'DriftSchedule', {
      description: 'Gitferry: wake every app for a drift check',
      schedule: props.driftSchedule ?? d.driftSchedule,
      targets: [new LambdaFunction(this.drift.fn, { retryAttempts: 2 })],
    });

    this.api = new GitferryFunction(this, 'Api', {
      name: 'api',
      description: 'Gitferry API and web UI: apps, clusters, projects; sync, rollback, diff, history',
      memorySize: memory.api,
      timeout: Duration.seconds(30),
      logRetention,
      tracing,
      // No VPC: the API reaches no cluster (cascade deletes are queued for the worker).
      // Registrations are judged as the worker will judge them: same guard, same secret names.
      environment: env({
        ALLOWED_HOSTS: props.allowedHosts?.length ? props.allowedHosts.join(',') : undefined,
        CLUSTER_SECRET_PREFIX: `${secretsPrefix}clusters/`,
        API_ALLOWED_PRINCIPALS: props.apiAllowedPrincipals?.length
          ? props.apiAllowedPrincipals.join(',')
          : undefined,
        RBAC_POLICY: props.rbac?.policyCsv || undefined,
        RBAC_POLICY_SECRET: props.rbac?.policySecretName,
        RBAC_DEFAULT_ROLE: props.rbac?.defaultRole,
        IAM_ROLE: props.rbac?.iamRole,
        AUDIT_RETENTION_DAYS:
          props.auditRetentionDays === undefined
            ? undefined
            : String(auditRetentionDays(props.auditRetentionDays)),
      }),
    });
    if (props.rbac?.policySecretName)
      this.api.role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['secretsmanager:GetSecretValue'],
          resources: [
            `arn:${Aws.PARTITION}:secretsmanager:${Aws.REGION}:${Aws.ACCOUNT_ID}:secret:${props.rbac.policySecretName}-??????`,
          ],
        }),
      );
    if (props.signIn) {
      this.signIn = addSignIn(this, this.api, props.signIn);
      for (const [key, value] of Object.entries(this.signIn.environment))
        if (value !== undefined) this.api.fn.addEnvironment(awsEnvNames[key as AwsEnvKey], value);
    }
    grantStateReadWrite(this.table, this.api.role);
    queue.grantSendMessages(this.api.role);
    // Callers sign requests with SigV4 (lambda:InvokeFunctionUrl): the API has no token of its own.
    this.apiUrl = this.api.fn.addFunctionUrl({ authType: FunctionUrlAuthType.AWS_IAM });

    // Only the worker writes to clusters: it applies, prunes and runs the cascade deletes the API
    // queues. The drift check reads them, within the same scope, with a view policy.
    new ClusterAccess(this, 'ClusterAccess', {
      clusters: props.clusters ?? d.clusters,
      roles: [this.worker.role],
      readers: [this.drift.role],
      scope: props.clusterAccess,
    });
    const assumable = props.assumableRoleArns ?? d.assumableRoleArns;
    if (assumable.length > 0)
      for (const role of [this.worker.role, this.drift.role])
        role.addToPrincipalPolicy(new PolicyStatement({ actions: ['sts:AssumeRole'], resources: assumable }));
    if (props.clusterSecurityGroups?.length) {
      if (!props.vpc)
        throw new Error(
          'clusterSecurityGroups: the worker reaches private endpoints only in a VPC (set vpc)',
        );
      for (const sg of props.clusterSecurityGroups) {
        this.worker.fn.connections.allowTo(sg, Port.tcp(443), 'Gitferry worker to the EKS API server');
        this.drift.fn.connections.allowTo(sg, Port.tcp(443), 'Gitferry drift check to the EKS API server');
      }
    }

    this.alarms = new GitferryAlarms(this, 'Alarms', {
      queue,
      deadLetterQueue: this.queue.deadLetterQueue,
      worker: this.worker.fn,
      webhook: this.webhook.fn,
      drift: this.drift.fn,
      notifier: this.notifier?.fn,
      topic: props.alarmTopic,
      email: props.alarmEmail,
    });
    this.queue.deadLetterAlarm.addAlarmAction(new SnsAction(this.alarms.topic));
    this.notificationQueue?.deadLetterAlarm.addAlarmAction(new SnsAction(this.alarms.topic));

    this.dashboard = new OperationsDashboard(this, 'Operations', {
      queue,
      deadLetterQueue: this.queue.deadLetterQueue,
      worker: this.worker.fn,
      webhook: this.webhook.fn,
      api: this.api.fn,
      drift: this.drift.fn,
      alarms: [
        this.queue.deadLetterAlarm,
        ...(this.notificationQueue ? [this.notificationQueue.deadLetterAlarm] : []),
        ...this.alarms.alarms,
      ],
    });
  }
}
