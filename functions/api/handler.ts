import { join } from 'node:path';
import { handle } from 'hono/aws-lambda';
import { createApiApp } from '../../shared/api/api-app.js';
import { appDeleterOf } from '../../shared/control/delete-app.js';
import { queuedAppDeleter } from '../../shared/control/queued-delete.js';
import { systemClock } from '../../shared/ports/clock.js';
import { ClusterConnectionError } from '../../shared/ports/cluster-connector.js';
import { awsConfigFromEnv } from '../../shared/runtime/aws-config.js';
import { awsEnvNames } from '../../shared/runtime/aws-env.js';
import { buildAwsAccess } from '../../shared/runtime/aws-access.js';
import { buildAwsStateAdapters } from '../../shared/runtime/aws-state.js';
import { loadUiBundle } from '../../shared/runtime/ui-bundle.js';
import type { LambdaContext } from '../lambda-events.js';
import { functionLogger } from '../logger.js';
import { allowListOf, callerAllowed, callerOf } from './caller-identity.js';

const log = functionLogger('gitferry-api');
let lambdaHandler: Promise<ReturnType<typeof handle>> | undefined;

/** The API app and its adapters, built once per container and reused while warm. */
async function build(holder: string): Promise<ReturnType<typeof handle>> {
  // No renderer, git, helm or cluster client in this bundle, and no cluster access in its role:
  // the API registers clusters (store only) and queues cascade deletes for the worker.
  const config = awsConfigFromEnv();
  const { store, queue, secrets } = buildAwsStateAdapters(config);
  // Sign-in (OIDC), RBAC and the audit trail, as in local mode; IAM callers have the configured role.
  const { access, signIn } = await buildAwsAccess(config.access, {
    store,
    secrets,
    log,
    iamCallerOf: (c) => callerOf((c.env as { event?: FunctionUrlEvent } | undefined)?.event ?? {})?.arn,
  });
  const storeOnly = appDeleterOf({
    store,
    connector: {
      connect: async () => {
        throw new ClusterConnectionError('cluster:no-access', 'the API reaches no cluster; the worker does');
      },
    },
    clock: systemClock,
    log,
    holder,
  });
  // No webhookSecrets: webhooks go to the webhook function, which alone may read them.
  const app = createApiApp({
    store,
    queue,
    access,
    signIn,
    controller: queuedAppDeleter({ queue, store, storeOnly, now: Date.now }),
    log,
    now: Date.now,
    clusters: {
      secretPrefix: config.clusterSecretPrefix,
      server: { guard: { allowedHosts: config.allowedHosts } },
    },
    // The web UI, shipped beside the bundle (infra: webUi). No change feed: a Lambda cannot hold
    // a stream, so the UI polls with ETags.
    ui: loadUiBundle(join(process.env.LAMBDA_TASK_ROOT ?? process.cwd(), 'ui')),
  });
  return handle(app);
}

type FunctionUrlEvent = Parameters<ReturnType<typeof handle>>[0] & {
  requestContext?: {
    authorizer?: { iam?: Record<string, unknown> };
    http?: { method?: string; path?: string };
  };
};

function refuse(detail: string) {
  return {
    statusCode: 403,
    headers: { 'content-type': 'application/problem+json' },
    body: JSON.stringify({ type: 'about:blank', title: 'Forbidden', status: 403, detail }),
  };
}

/** The app, built once per container; a failed build (an IdP down at cold start) is tried again. */
function appFor(context: LambdaContext): Promise<ReturnType<typeof handle>> {
  lambdaHandler ??= build(`api-${context.awsRequestId ?? process.pid}`).catch((err: unknown) => {
    lambdaHandler = undefined;
    throw err;
  });
  return lambdaHandler;
}

/**
 * Function URL requests → the same Hono app `gitferry serve` runs locally. On the IAM Function
 * URL, for callers IAM verified and the allow-list (GITFERRY_API_ALLOWED_PRINCIPALS) names; with
 * OIDC sign-in configured, also on the sign-in Function URL, where the app asks for a session,
 * bearer JWT or project token. Each call is logged with its caller.
 */
export async function handler(event: FunctionUrlEvent, context: LambdaContext = {}) {
  const caller = callerOf(event as never);
  const http = event.requestContext?.http;
  if (!caller) {
    if (!process.env[awsEnvNames.OIDC_ISSUER]) {
      log.warn('api call refused: no IAM caller (not a Function URL request)', { method: http?.method });
      return refuse('the API answers Function URL requests signed with SigV4 only');
    }
    log.info('api call', { caller: 'sign-in', method: http?.method, path: http?.path });
    return (await appFor(context))(event, context as never);
  }
  if (!callerAllowed(caller, allowListOf(process.env[awsEnvNames.API_ALLOWED_PRINCIPALS]))) {
    log.warn('api call refused: caller not on the allow-list', {
      caller: caller.arn,
      method: http?.method,
      path: http?.path,
    });
    return refuse(`${caller.arn} is not allowed to use this Gitferry API`);
  }
  log.info('api call', { caller: caller.arn, method: http?.method, path: http?.path });
  return (await appFor(context))(event, context as never);
}
