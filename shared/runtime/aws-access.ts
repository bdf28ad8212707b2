// Who may call the API function on AWS: the same sign-in, sessions, RBAC and audit as local mode
// (access.ts), with its settings from the environment and Secrets Manager. SigV4 (IAM) callers,
// whom Lambda verified for the IAM Function URL, have the configured role (default role:admin);
// everyone else signs in with OIDC (browser session cookie or bearer JWT) or uses a project token.
import type { Context } from 'hono';
import { OidcSignIn } from '../auth/oidc.js';
import { SessionCodec } from '../auth/session.js';
import type { AccessControl } from '../api/authorize.js';
import type { SignInDeps } from '../api/auth-routes.js';
import type { Logger } from '../ports/logger.js';
import type { SecretStore } from '../ports/secret-store.js';
import type { StateStore } from '../ports/state-store.js';
import { buildAccess } from './access.js';
import { AwsConfigError, type AwsAccessConfig } from './aws-config.js';

/** The parts of a Function URL event (payload 2.0) the API reads; Lambda sets them, not the caller. */
export interface FunctionUrlRequestContext {
  domainName?: string;
  http?: { sourceIp?: string };
  authorizer?: { iam?: { userArn?: string; accountId?: string } };
}

const eventOf = (c: Context) =>
  (c.env as { event?: { requestContext?: FunctionUrlRequestContext } } | undefined)?.event?.requestContext;

/** The session key and (Cognito) client id from the session secret: a plain key or JSON. */
export function readSessionSecret(
  name: string,
  value: string | undefined,
): { key: Buffer; clientId?: string } {
  if (!value) throw new AwsConfigError('config:missing', `the session secret ${name} has no value`);
  let key = value;
  let clientId: string | undefined;
  if (value.trimStart().startsWith('{')) {
    const parsed = JSON.parse(value) as { sessionKey?: unknown; clientId?: unknown };
    key = typeof parsed.sessionKey === 'string' ? parsed.sessionKey : '';
    clientId = typeof parsed.clientId === 'string' && parsed.clientId ? parsed.clientId : undefined;
  }
  if (Buffer.byteLength(key) < 32)
    throw new AwsConfigError('config:invalid', `the session secret ${name} holds a key under 32 bytes`);
  return { key: Buffer.from(key), clientId };
}

export interface AwsAccess {
  access: AccessControl;
  signIn?: SignInDeps;
}

/**
 * Builds the API function's access control. `iamCallerOf` answers the ARN of a caller Lambda
 * verified (the handler has checked the allow-list before the app runs).
 */
export async function buildAwsAccess(
  config: AwsAccessConfig,
  deps: {
    store: StateStore;
    secrets: SecretStore;
    log: Logger;
    iamCallerOf: (c: Context) => string | undefined;
  },
): Promise<AwsAccess> {
  const secret = async (name: string, what: string) => {
    const value = await deps.secrets.get(name);
    if (value === undefined)
      throw new AwsConfigError('config:missing', `${what} secret ${name} does not exist`);
    return value;
  };
  const policyCsv = config.policySecretName
    ? await secret(config.policySecretName, 'the RBAC policy')
    : config.policyCsv;

  let oidc: OidcSignIn | undefined;
  let sessions: SessionCodec | undefined;
  if (config.oidc) {
    const session = readSessionSecret(
      config.sessionSecretName ?? '',
      config.sessionSecretName ? await secret(config.sessionSecretName, 'the session') : undefined,
    );
    const clientId = config.oidc.clientId ?? session.clientId;
    if (!clientId)
      throw new AwsConfigError(
        'config:missing',
        'no OIDC client id (GITFERRY_OIDC_CLIENT_ID or the session secret)',
      );
    // Settings left unset keep OidcSignIn's defaults (a spread `undefined` would replace them).
    const set = Object.fromEntries(Object.entries(config.oidc).filter(([, v]) => v !== undefined));
    oidc = await OidcSignIn.discover({
      ...(set as typeof config.oidc),
      clientId,
      clientSecret: config.oidc.clientSecretName
        ? await secret(config.oidc.clientSecretName, 'the OIDC client')
        : undefined,
    });
    // Function URLs are https; a configured http public URL is loopback only (tests).
    sessions = new SessionCodec({ key: session.key, secure: !config.publicUrl?.startsWith('http://') });
  }

  const access = await buildAccess(
    {
      rbacPolicyCsv: policyCsv,
      defaultRole: config.defaultRole,
      iamRole: config.iamRole,
      iamCallerOf: deps.iamCallerOf,
      bearer: oidc ? [oidc.bearerCheck()] : [],
      session: sessions,
      store: deps.store,
      auditRetentionDays: config.auditRetentionDays,
      // DynamoDB's TTL removes old entries: no scan of the trail from each container.
      trimAudit: false,
      sourceOf: (c) => eventOf(c)?.http?.sourceIp,
    },
    deps.log,
  );
  const publicUrl = config.publicUrl;
  return {
    access,
    signIn:
      oidc && sessions
        ? {
            oidc,
            sessions,
            // The Function URL the browser came to (Lambda's domainName, not a Host header).
            publicUrl: publicUrl ?? ((c: Context) => `https://${eventOf(c)?.domainName ?? 'invalid'}`),
            authenticator: access.authenticator,
          }
        : undefined,
  };
}
