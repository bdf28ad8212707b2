import { sourceLimitsWith, type SourceLimits } from '../source/types.js';
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
  /** Checkout and render budgets: the defaults with the operator's file budget (GITFERRY_REPO_MAX_FILES). */
  sourceLimits: SourceLimits;
  /**
   * How long a worker holds an app: the worker function's timeout (it cannot run longer), so an
   * app whose worker died (killed, out of memory) is taken over that soon, not after the default
   * 5 minutes. Unset: the control default.
   */
  leaseTtlSeconds?: number;
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
  /** Who may call the API (the API function only). */
  access: AwsAccessConfig;
}

/** Sign-in and RBAC of the API function (docs/aws-deploy.md, "Sign-in and RBAC"). */
export interface AwsAccessConfig {
  /** OIDC sign-in; absent: only SigV4 (IAM) callers reach the API. */
  oidc?: {
    issuer: string;
    /** The client id; absent when the session secret's JSON carries it (`clientId`, Cognito). */
    clientId?: string;
    /** The Secrets Manager secret holding the client secret (confidential clients). */
    clientSecretName?: string;
    cliClientId?: string;
    groupsClaim?: string;
    scopes?: string[];
  };
  /**
   * The secret holding the session-signing key: a string of at least 32 bytes, or JSON
   * `{"sessionKey": …, "clientId"?: …}` (the construct generates it).
   */
  sessionSecretName?: string;
  /** Gitferry's public URL for browser redirects; default the Function URL the request came to. */
  publicUrl?: string;
  /** policy.csv lines (Argo CD syntax), inline. */
  policyCsv?: string;
  /** A secret holding the policy.csv lines (for policies over the 4 KB environment). */
  policySecretName?: string;
  /** Argo CD's policy.default: the role every signed-in caller has. */
  defaultRole?: string;
  /** The role SigV4 (IAM) callers have. @default role:admin (as before sign-in existed) */
  iamRole: string;
  /** Days audit entries are kept (DynamoDB TTL). @default 90 */
  auditRetentionDays: number;
}

function list(value: string | undefined, separator: RegExp): string[] | undefined {
  const items = (value ?? '')
    .split(separator)
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length ? items : undefined;
}

function accessFromEnv(env: NodeJS.ProcessEnv): AwsAccessConfig {
  const n = awsEnvNames;
  const issuer = env[n.OIDC_ISSUER] || undefined;
  const days = env[n.AUDIT_RETENTION_DAYS] ? Number(env[n.AUDIT_RETENTION_DAYS]) : 90;
  if (!Number.isInteger(days) || days < 1 || days > 3650)
    throw new AwsConfigError(
      'config:invalid',
      `${n.AUDIT_RETENTION_DAYS} is a whole number of days from 1 to 3650`,
    );
  if (issuer && !env[n.SESSION_SECRET])
    throw new AwsConfigError('config:missing', `${n.OIDC_ISSUER} is set, so ${n.SESSION_SECRET} must be too`);
  return {
    oidc: issuer
      ? {
          issuer,
          clientId: env[n.OIDC_CLIENT_ID] || undefined,
          clientSecretName: env[n.OIDC_CLIENT_SECRET] || undefined,
          cliClientId: env[n.OIDC_CLI_CLIENT_ID] || undefined,
          groupsClaim: env[n.OIDC_GROUPS_CLAIM] || undefined,
          scopes: list(env[n.OIDC_SCOPES], /[\s,]+/),
        }
      : undefined,
    sessionSecretName: env[n.SESSION_SECRET] || undefined,
    publicUrl: env[n.PUBLIC_URL] || undefined,
    policyCsv: env[n.RBAC_POLICY] || undefined,
    policySecretName: env[n.RBAC_POLICY_SECRET] || undefined,
    defaultRole: env[n.RBAC_DEFAULT_ROLE] || undefined,
    iamRole: env[n.IAM_ROLE] || 'role:admin',
    auditRetentionDays: days,
  };
}

/** A setting the AWS deployment needs is missing from the environment. */
export class AwsConfigError extends GitferryError {
  override name = 'AwsConfigError';
}

function leaseTtl(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 2 || n > 3600)
    throw new AwsConfigError(
      'config:invalid',
      `environment variable ${awsEnvNames.LEASE_TTL_SECONDS} must be whole seconds between 2 and 3600, not ${JSON.stringify(value.slice(0, 40))}`,
    );
  return n;
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
    sourceLimits: sourceLimitsWith(awsEnvNames.REPO_MAX_FILES, env[awsEnvNames.REPO_MAX_FILES]),
    syncTimeoutSeconds: env[awsEnvNames.SYNC_TIMEOUT_SECONDS]
      ? checkOperationTimeout(awsEnvNames.SYNC_TIMEOUT_SECONDS, env[awsEnvNames.SYNC_TIMEOUT_SECONDS])
      : defaultOperationTimeoutSeconds,
    leaseTtlSeconds: leaseTtl(env[awsEnvNames.LEASE_TTL_SECONDS]),
    healthChecks: env[awsEnvNames.HEALTH_CHECKS] || undefined,
    argoNamespace: env[awsEnvNames.ARGO_NAMESPACE] || 'argocd',
    notifications: env[awsEnvNames.NOTIFICATIONS] || undefined,
    notificationQueueUrl: env[awsEnvNames.NOTIFICATION_QUEUE_URL] || undefined,
    access: accessFromEnv(env),
  };
}
