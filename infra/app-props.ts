import { Duration } from 'aws-cdk-lib';
import { Schedule } from 'aws-cdk-lib/aws-events';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterAccessScope } from './cluster-access.js';
import type { GitferryDeployerProps } from './gitferry-deployer.js';
import { projectRoot } from './gitferry-function.js';

/** Reads one context value (`-c key=value` or cdk.json), undefined when unset or empty. */
type ContextReader = (key: string) => unknown;

function list(v: unknown): string[] | undefined {
  if (v === undefined || v === '') return undefined;
  if (Array.isArray(v)) return v.map(String);
  const s = String(v).trim();
  return s.startsWith('[')
    ? (JSON.parse(s) as string[])
    : s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
}

function str(v: unknown): string | undefined {
  return v === undefined || v === '' ? undefined : String(v);
}

function flag(v: unknown): boolean | undefined {
  const s = str(v);
  return s === undefined ? undefined : s === 'true';
}

/** The access scope from context: clusterNamespaces, clusterGroups or clusterScope=cluster. */
function clusterAccessFromContext(get: ContextReader): ClusterAccessScope | undefined {
  const namespaces = list(get('clusterNamespaces'));
  const kubernetesGroups = list(get('clusterGroups'));
  const scope = str(get('clusterScope'));
  if (scope !== undefined && scope !== 'cluster')
    throw new Error(
      `clusterScope: only "cluster" is a scope (got ${JSON.stringify(scope)}); for namespaces use clusterNamespaces`,
    );
  const accessPolicyArn = str(get('clusterAccessPolicyArn'));
  if (!namespaces && !kubernetesGroups && !scope) return undefined;
  return { namespaces, kubernetesGroups, clusterScope: scope === 'cluster' || undefined, accessPolicyArn };
}

/**
 * GitferryDeployer props from CDK context, so `cdk deploy -c clusters=prod,staging
 * -c clusterNamespaces=shop,web` needs no code: clusters, clusterNamespaces or clusterGroups or
 * clusterScope=cluster, clusterAccessPolicyArn, assumableRoleArns (comma lists or JSON arrays),
 * githubWebhookSecretName, gitlabWebhookSecretName, secretsPrefix, repoCredentials (JSON),
 * allowedHosts, driftSchedule (`rate(5 minutes)` or `cron(...)`), driftJitterSeconds,
 * workerTimeoutSeconds, workerBatchSize, workerParallelism, repoMaxFiles, webhookReservedConcurrency,
 * webhookRateLimit (per IP and 5 minutes: adds CloudFront + WAF; webhookWebAclArn outside
 * us-east-1), apiAllowedPrincipals, alarmEmail, tracing, logRetentionDays, plainYamlOnly,
 * toolsLayerPath (default dist/tools-layer when it exists).
 */
export function deployerPropsFromContext(get: ContextReader): GitferryDeployerProps {
  const drift = str(get('driftSchedule'));
  const num = (k: string) => (str(get(k)) === undefined ? undefined : Number(get(k)));
  const jitter = num('driftJitterSeconds');
  const workerTimeout = num('workerTimeoutSeconds');
  const retention = num('logRetentionDays');
  const builtLayer = join(projectRoot, 'dist', 'tools-layer');
  const credentials = str(get('repoCredentials'));
  const rateLimit = num('webhookRateLimit');
  const webAclArn = str(get('webhookWebAclArn'));
  return {
    clusters: list(get('clusters')),
    clusterAccess: clusterAccessFromContext(get),
    assumableRoleArns: list(get('assumableRoleArns')),
    githubWebhookSecretName: str(get('githubWebhookSecretName')),
    gitlabWebhookSecretName: str(get('gitlabWebhookSecretName')),
    secretsPrefix: str(get('secretsPrefix')),
    repoCredentials: credentials ? JSON.parse(credentials) : undefined,
    allowedHosts: list(get('allowedHosts')),
    driftSchedule: drift ? Schedule.expression(drift) : undefined,
    driftJitter: jitter === undefined ? undefined : Duration.seconds(jitter),
    workerTimeout: workerTimeout === undefined ? undefined : Duration.seconds(workerTimeout),
    logRetention: retention === undefined ? undefined : (retention as RetentionDays),
    toolsLayerPath: str(get('toolsLayerPath')) ?? (existsSync(builtLayer) ? builtLayer : undefined),
    plainYamlOnly: flag(get('plainYamlOnly')),
    workerBatchSize: num('workerBatchSize'),
    workerParallelism: num('workerParallelism'),
    repoMaxFiles: num('repoMaxFiles'),
    webhookReservedConcurrency:
      str(get('webhookReservedConcurrency')) === 'none' ? 'none' : num('webhookReservedConcurrency'),
    webhookFirewall:
      rateLimit !== undefined || webAclArn !== undefined
        ? { rateLimitPer5Minutes: rateLimit, webAclArn }
        : undefined,
    apiAllowedPrincipals: list(get('apiAllowedPrincipals')),
    alarmEmail: str(get('alarmEmail')),
    tracing: flag(get('tracing')),
  };
}
