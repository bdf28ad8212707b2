import { Duration } from 'aws-cdk-lib';
import { Schedule } from 'aws-cdk-lib/aws-events';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
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

/**
 * GitferryDeployer props from CDK context, so `cdk deploy -c clusters=prod,staging` needs no code:
 * clusters, clusterAccessPolicyArn, assumableRoleArns (comma lists or JSON arrays),
 * githubWebhookSecretName, gitlabWebhookSecretName, secretsPrefix, repoCredentials (JSON),
 * allowedHosts, driftSchedule (`rate(5 minutes)` or `cron(...)`), driftJitterSeconds,
 * workerTimeoutSeconds, logRetentionDays, toolsLayerPath (default dist/tools-layer when it exists).
 */
export function deployerPropsFromContext(get: ContextReader): GitferryDeployerProps {
  const drift = str(get('driftSchedule'));
  const num = (k: string) => (str(get(k)) === undefined ? undefined : Number(get(k)));
  const jitter = num('driftJitterSeconds');
  const workerTimeout = num('workerTimeoutSeconds');
  const retention = num('logRetentionDays');
  const builtLayer = join(projectRoot, 'dist', 'tools-layer');
  const credentials = str(get('repoCredentials'));
  return {
    clusters: list(get('clusters')),
    clusterAccessPolicyArn: str(get('clusterAccessPolicyArn')),
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
  };
}
