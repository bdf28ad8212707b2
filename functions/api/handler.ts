import { handle } from 'hono/aws-lambda';
import { createApiApp } from '../../shared/api/api-app.js';
import { appDeleterOf } from '../../shared/control/delete-app.js';
import { systemClock } from '../../shared/ports/clock.js';
import { awsConfigFromEnv } from '../../shared/runtime/aws-config.js';
import { buildAwsClusterRuntime } from '../../shared/runtime/aws-clusters.js';
import type { LambdaContext } from '../lambda-events.js';
import { functionLogger } from '../logger.js';

const log = functionLogger('gitferry-api');
let lambdaHandler: ReturnType<typeof handle> | undefined;

/** The API app and its adapters, built once per container and reused while warm. */
function build(holder: string): ReturnType<typeof handle> {
  // No renderer, git or helm in this bundle: the API only registers clusters and deletes apps.
  const rt = buildAwsClusterRuntime(awsConfigFromEnv());
  const controller = appDeleterOf({
    store: rt.store,
    connector: rt.connector,
    clock: systemClock,
    log,
    holder,
    options: { guard: rt.guard },
  });
  // No bearer token: the Function URL uses AWS_IAM auth, so only SigV4-signed callers get here.
  // No webhookSecrets either: webhooks go to the webhook function, which alone may read them.
  const app = createApiApp({
    store: rt.store,
    queue: rt.queue,
    controller,
    log,
    now: Date.now,
    clusters: rt.clusters,
  });
  return handle(app);
}

/** Function URL requests → the same Hono app `gitferry serve` runs locally. */
export async function handler(event: Parameters<ReturnType<typeof handle>>[0], context: LambdaContext = {}) {
  lambdaHandler ??= build(`api-${context.awsRequestId ?? process.pid}`);
  return lambdaHandler(event, context as never);
}
