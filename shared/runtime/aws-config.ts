import { GitferryError } from '../domain/errors.js';
import type { RepoCredentialRule } from '../control/repo-credentials.js';

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
  /**
   * Cluster tokens are the secrets `<prefix><cluster>/token`, and a cluster can use no other
   * (default `gitferry/clusters/`, inside the construct's default secretsPrefix).
   */
  clusterSecretPrefix: string;
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
    clusterSecretPrefix: env.GITFERRY_CLUSTER_SECRET_PREFIX || 'gitferry/clusters/',
  };
}
