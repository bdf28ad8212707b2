import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDbStateStore } from './dynamodb-state-store.js';
import { EksClusterConnector, type EksConnectorOptions } from './eks-cluster-connector.js';
import { SecretsManagerSecretStore } from './secrets-manager-secret-store.js';
import { SqsJobQueue } from './sqs-job-queue.js';
import { ClusterConnectorRouter } from '../cluster/cluster-connector-router.js';
import { TokenClusterConnector } from '../cluster/token-cluster-connector.js';
import { GitCheckoutCache } from '../../source/git.js';
import { SourceRenderer } from '../../source/render.js';
import { repoCredentialsResolver, type RepoCredentialRule } from '../../sync/repo-credentials.js';

/** Settings of the AWS deployment, from the functions' environment (set by the CDK construct). */
export interface AwsRuntimeConfig {
  region: string;
  tableName: string;
  queueUrl: string;
  /** Scratch space for checkouts and renders (Lambda: /tmp). */
  workDir: string;
  helmBin: string;
  kustomizeBin: string;
  repoCredentials: RepoCredentialRule[];
  githubSecretName?: string;
  gitlabSecretName?: string;
  /** Hosts or CIDRs the URL guard lets through (private git servers); empty by default. */
  allowedHosts: string[];
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const v = env[name];
  if (!v) throw new Error(`environment variable ${name} is not set`);
  return v;
}

export function awsConfigFromEnv(env: NodeJS.ProcessEnv = process.env): AwsRuntimeConfig {
  return {
    region: env.AWS_REGION ?? 'us-east-1',
    tableName: required(env, 'GITFERRY_TABLE'),
    queueUrl: required(env, 'GITFERRY_QUEUE_URL'),
    workDir: env.GITFERRY_WORK_DIR ?? '/tmp/gitferry',
    helmBin: env.GITFERRY_HELM ?? '/opt/bin/helm',
    kustomizeBin: env.GITFERRY_KUSTOMIZE ?? '/opt/bin/kustomize',
    repoCredentials: env.GITFERRY_REPO_CREDENTIALS
      ? (JSON.parse(env.GITFERRY_REPO_CREDENTIALS) as RepoCredentialRule[])
      : [],
    githubSecretName: env.GITFERRY_GITHUB_SECRET,
    gitlabSecretName: env.GITFERRY_GITLAB_SECRET,
    allowedHosts: (env.GITFERRY_ALLOWED_HOSTS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  };
}

/** The adapters of the AWS deployment, built once per Lambda container and reused while warm. */
export function buildAwsRuntime(config: AwsRuntimeConfig, opts: { eks?: Partial<EksConnectorOptions> } = {}) {
  // AWS_ENDPOINT_URL (if set) points every client at an emulator: the SDK reads it itself.
  const clientConfig = { region: config.region };
  const dynamodb = new DynamoDBClient(clientConfig);
  const sqs = new SQSClient(clientConfig);
  const secretsClient = new SecretsManagerClient(clientConfig);
  const store = new DynamoDbStateStore(dynamodb, config.tableName);
  const queue = new SqsJobQueue(sqs, config.queueUrl);
  const secrets = new SecretsManagerSecretStore(secretsClient);
  const connector = new ClusterConnectorRouter({
    eks: new EksClusterConnector({ clientConfig: (region) => ({ region }), ...opts.eks }),
    kubeconfig: new TokenClusterConnector(secrets),
  });
  const guard = { allowedHosts: config.allowedHosts };
  const checkouts = new GitCheckoutCache(`${config.workDir}/checkouts`, { http: { guard } });
  const renderer = new SourceRenderer(checkouts, {
    workRoot: `${config.workDir}/renders`,
    tools: { helm: config.helmBin, kustomize: config.kustomizeBin },
    guard,
  });
  const credentials = repoCredentialsResolver(config.repoCredentials, secrets);
  return { config, store, queue, secrets, connector, renderer, credentials, guard };
}

export type AwsRuntime = ReturnType<typeof buildAwsRuntime>;
