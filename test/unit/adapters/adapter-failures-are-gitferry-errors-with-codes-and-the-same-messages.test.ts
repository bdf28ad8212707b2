// Adapters and ports throw GitferryError subclasses with a code, so callers (the API, the worker)
// can tell failures apart by class; the messages are the ones they always had.
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AwsConfigError, awsConfigFromEnv } from '../../../shared/runtime/aws-config.js';
import { SecretsManagerSecretStore } from '../../../shared/adapters/aws/secrets-manager-secret-store.js';
import { parseJob } from '../../../shared/adapters/aws/sqs-job-queue.js';
import { ClusterConnectorRouter } from '../../../shared/adapters/cluster/cluster-connector-router.js';
import { GitferryError } from '../../../shared/domain/errors.js';
import { ClusterConnectionError } from '../../../shared/ports/cluster-connector.js';
import { JobQueueError } from '../../../shared/ports/job-queue.js';
import { SecretStoreError } from '../../../shared/ports/secret-store.js';

async function failureOf(fn: () => unknown): Promise<GitferryError> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GitferryError);
    return err as GitferryError;
  }
  throw new Error('expected a failure');
}

describe('adapter failures', () => {
  test('a queue message without app or reason is a JobQueueError (queue:invalid)', async () => {
    const err = await failureOf(() => parseJob(JSON.stringify({ app: '', reason: 'webhook' })));

    expect(err).toBeInstanceOf(JobQueueError);
    expect(err.code).toBe('queue:invalid');
    expect(err.message).toBe('sync job message has no app or reason');
  });

  test('a cluster type with no connector is a ClusterConnectionError (cluster:no-connector)', async () => {
    const router = new ClusterConnectorRouter({});
    const err = await failureOf(() =>
      router.connect({ name: 'prod', type: 'kubeconfig', server: 'https://k.example', tokenSecret: 't' }),
    );

    expect(err).toBeInstanceOf(ClusterConnectionError);
    expect(err.code).toBe('cluster:no-connector');
    expect(err.message).toBe('cluster prod: no connector for clusters of type kubeconfig');
  });

  test('a missing deployment setting is an AwsConfigError (config:missing) naming the variable', async () => {
    const err = await failureOf(() => awsConfigFromEnv({ GITFERRY_QUEUE_URL: 'https://sqs.example/q' }));

    expect(err).toBeInstanceOf(AwsConfigError);
    expect(err.code).toBe('config:missing');
    expect(err.message).toBe('environment variable GITFERRY_TABLE is not set');
  });

  test('a Secrets Manager failure is a SecretStoreError (secret:read-failed) naming the secret and keeping the cause', async () => {
    const denied = Object.assign(new Error('not allowed'), { name: 'AccessDeniedException' });
    const client = { send: () => Promise.reject(denied) } as unknown as SecretsManagerClient;
    const err = await failureOf(() => new SecretsManagerSecretStore(client).get('gitferry/github'));

    expect(err).toBeInstanceOf(SecretStoreError);
    expect(err.code).toBe('secret:read-failed');
    expect(err.message).toBe('secret gitferry/github: AccessDeniedException');
    expect(err.cause).toBe(denied);
  });
});
