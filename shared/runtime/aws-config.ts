import { GitferryError } from '../domain/errors.js';
import { checkOperationTimeout, defaultOperationTimeoutSeconds } from '../domain/operation-timeout.js';
import type { RepoCredentialRule } from '../control/repo-credentials.js';
import { awsEnvNames } from './aws-env.js';

/** Settings of the AWS deployment, from the functions' environment (set by the CDK construct). */
export interface AwsRuntimeConfig {
  region: string;
  tableName: string;
  queueUrl: string;
  /** Scratch space for checkouts and renders (Lambda: /tmp). */
  workDir: string;
  helmBin: string;
  kustomizeBin: string;
  /** go-jsonnet's command, from the tools layer; Jsonnet apps are refused when it is missing. */
  jsonnetBin?: string;
  repoCredentials: RepoCredentialRule[];
  githubSecretName?: string;
  gitlabSecretName?: string;
  /** Hosts or CIDRs the URL guard lets through (private git servers); empty by default. */
  allowedHosts: string[];
  /**
   * Cluster tokens are the secrets `<prefix><cluster>/token`, and a cluster can use no other
   * (default `gitferry/clusters/`, inside the construct's default secretsPrefix).
   */
  clusterSecretPrefix: string;
  /** A sync still running after this long is ended, its running hooks deleted (default 30 min). */
  syncTimeoutSeconds: number;
  /**
   * Custom Lua health checks: a directory of `<group>_<Kind>.lua` files or an argocd-cm file
   * (e.g. in a Lambda layer under /opt); the shipped scripts apply either way.
   */
  healthChecks?: string;
  /** Applications and AppProjects rendered into this namespace become child apps (default argocd). */
  argoNamespace: string;
  /** Notification services and templates (argocd-notifications-cm shape, YAML or JSON); none by default. */
  notifications?: string;
  /**
   * The notification queue: when set, the worker queues notifications there and the notifier
   * function sends them (off the sync's path); without it the worker sends them after its step.
   */
  notificationQueueUrl?: string;
}

/** A setting the AWS deployment needs is missing from the environment. */
export class AwsConfigError extends GitferryError {
  override name = 'AwsConfigError';
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const v = env[name];
  if (!v) throw new AwsConfigError('config:missing', `environment variable ${name} is not set`);
  return v;
}

export function awsConfigFromEnv(env: NodeJS.ProcessEnv = process.env): AwsRuntimeConfig {
  return {
    region: env.AWS_REGION ?? 'us-east-1',
    tableName: required(env, awsEnvNames.TABLE),
    queueUrl: required(env, awsEnvNames.QUEUE_URL),
    workDir: env[awsEnvNames.WORK_DIR] ?? '/tmp/gitferry',
    helmBin: env[awsEnvNames.HELM] ?? '/opt/bin/helm',
    kustomizeBin: env[awsEnvNames.KUSTOMIZE] ?? '/opt/bin/kustomize',
    jsonnetBin: env[awsEnvNames.JSONNET] ?? '/opt/bin/jsonnet',
    repoCredentials: JSON.parse(env[awsEnvNames.REPO_CREDENTIALS] || '[]') as RepoCredentialRule[],
    githubSecretName: env[awsEnvNames.GITHUB_SECRET],
    gitlabSecretName: env[awsEnvNames.GITLAB_SECRET],
    allowedHosts: (env[awsEnvNames.ALLOWED_HOSTS] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    clusterSecretPrefix: env[awsEnvNames.CLUSTER_SECRET_PREFIX] || 'gitferry/clusters/',
    syncTimeoutSeconds: env[awsEnvNames.SYNC_TIMEOUT_SECONDS]
      ? checkOperationTimeout(awsEnvNames.SYNC_TIMEOUT_SECONDS, env[awsEnvNames.SYNC_TIMEOUT_SECONDS])
      : defaultOperationTimeoutSeconds,
    healthChecks: env[awsEnvNames.HEALTH_CHECKS] || undefined,
    argoNamespace: env[awsEnvNames.ARGO_NAMESPACE] || 'argocd',
    notifications: env[awsEnvNames.NOTIFICATIONS] || undefined,
    notificationQueueUrl: env[awsEnvNames.NOTIFICATION_QUEUE_URL] || undefined,
  };
}
