import { awsConfigFromEnv } from '../../shared/runtime/aws-config.js';
import { buildAwsStateAdapters } from '../../shared/runtime/aws-state.js';
import type { HttpRequestEvent, HttpResponse } from '../lambda-events.js';
import { functionLogger } from '../logger.js';
import { createWebhookEndpoint } from './webhook-endpoint.js';
import { awsEnvNames } from '../../shared/runtime/aws-env.js';

const log = functionLogger('gitferry-webhook');
let endpoint: ((event: HttpRequestEvent) => Promise<HttpResponse>) | undefined;

/** The Lambda entry: builds the store, queue and secrets once per container, then serves the endpoint. */
export function handler(event: HttpRequestEvent): Promise<HttpResponse> {
  endpoint ??= (() => {
    const config = awsConfigFromEnv();
    // Links of apps stored before they were indexed are the worker's to write: a push has seconds.
    const { store, queue, secrets } = buildAwsStateAdapters(config, { linkFill: 'elsewhere' });
    return createWebhookEndpoint({
      store,
      queue,
      log,
      now: Date.now,
      deadlineMs: Number(process.env[awsEnvNames.WEBHOOK_DEADLINE_MS] ?? 8_000),
      originVerify: process.env[awsEnvNames.WEBHOOK_ORIGIN_VERIFY] || undefined,
      secrets: async () => {
        const [github, gitlab] = await Promise.all([
          config.githubSecretName ? secrets.get(config.githubSecretName) : undefined,
          config.gitlabSecretName ? secrets.get(config.gitlabSecretName) : undefined,
        ]);
        return { github, gitlab };
      },
    });
  })();
  return endpoint(event);
}
