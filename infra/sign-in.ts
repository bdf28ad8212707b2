import { Aws, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { OAuthScope, UserPool, type UserPoolDomain } from 'aws-cdk-lib/aws-cognito';
import { PolicyStatement, type IRole } from 'aws-cdk-lib/aws-iam';
import {
  FunctionUrlAuthType,
  type Function as LambdaFunction,
  type FunctionUrl,
} from 'aws-cdk-lib/aws-lambda';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { AwsEnvKey } from '../shared/runtime/aws-env.js';

/** OIDC sign-in for the API (docs/aws-deploy.md, "Sign-in and RBAC"). */
export interface GitferrySignInProps {
  /** The provider's issuer URL. Not with `cognito` (its pool is the issuer). */
  readonly issuer?: string;
  /** The browser client's id at the provider. Not with `cognito`. */
  readonly clientId?: string;
  /** Name of a Secrets Manager secret holding the client's secret. @default a public client (PKCE only) */
  readonly clientSecretName?: string;
  /** A public client for `gitferry login`, if not the same. @default clientId */
  readonly cliClientId?: string;
  /** The claim with the user's groups. @default 'groups' ('cognito:groups' with cognito) */
  readonly groupsClaim?: string;
  /** Scopes asked for. @default openid profile email groups (openid profile email with cognito) */
  readonly scopes?: string[];
  /**
   * Gitferry's URL as browsers reach it (a custom domain in front). @default the sign-in Function
   * URL the request came to
   */
  readonly publicUrl?: string;
  /**
   * For teams without an IdP: a Cognito user pool (no self sign-up), a public app client (code +
   * PKCE) whose callback is the sign-in URL, and a Cognito domain with this prefix (unique in the
   * region). Users and groups are managed in Cognito. @default none
   */
  readonly cognito?: { readonly domainPrefix: string };
}

/** Who may do what (docs/rbac.md): policy lines, the default role, the role of IAM callers. */
export interface GitferryRbacProps {
  /** policy.csv lines (Argo CD syntax), in the API's environment (Lambda allows 4 KB in all). */
  readonly policyCsv?: string;
  /** Name of a secret holding the policy lines instead (larger policies, changed without a deploy). */
  readonly policySecretName?: string;
  /** Argo CD's policy.default, e.g. 'role:readonly'. @default none */
  readonly defaultRole?: string;
  /** The role of SigV4 (IAM) callers. @default 'role:admin' (as before sign-in) */
  readonly iamRole?: string;
}

export interface GitferrySignInResources {
  /** The Function URL without IAM auth where browsers and the CLI sign in (an alias of the API). */
  readonly url: FunctionUrl;
  /** The generated secret with the session-signing key (and, with Cognito, the client id). */
  readonly sessionSecret: Secret;
  readonly userPool?: UserPool;
  readonly userPoolClient?: UserPoolClient;
  readonly userPoolDomain?: UserPoolDomain;
  /** What the API function's environment gets. */
  readonly environment: Partial<Record<AwsEnvKey, string>>;
}

/**
 * Adds OIDC sign-in to the API function: a second Function URL (on an alias, auth NONE: the
 * function authenticates sessions, bearer JWTs and project tokens itself), the session-signing key
 * in Secrets Manager (generated), the OIDC settings, and optionally a Cognito user pool. The IAM
 * Function URL stays for SigV4 automation.
 */
export function addSignIn(
  scope: Construct,
  api: { fn: LambdaFunction; role: IRole },
  props: GitferrySignInProps,
): GitferrySignInResources {
  if (props.cognito && (props.issuer || props.clientId))
    throw new Error('signIn: either cognito or issuer and clientId, not both');
  if (!props.cognito && (!props.issuer || !props.clientId))
    throw new Error('signIn: issuer and clientId are required (or cognito for a new user pool)');
  if (props.issuer && !/^https:\/\//.test(props.issuer))
    throw new Error(`signIn.issuer: an https URL, not ${JSON.stringify(props.issuer)}`);
  const id = new Construct(scope, 'SignIn');
  const stack = Stack.of(scope);

  // Its own alias, so the NONE URL and the IAM URL (on the function) are two endpoints of one function.
  const alias = api.fn.currentVersion.addAlias('signin');
  const url = alias.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });

  let userPool: UserPool | undefined;
  let userPoolClient: UserPoolClient | undefined;
  let userPoolDomain: UserPoolDomain | undefined;
  if (props.cognito) {
    userPool = new UserPool(id, 'Users', {
      selfSignUpEnabled: false,
      signInAliases: { email: true, username: true },
      passwordPolicy: { minLength: 12, requireDigits: true, requireSymbols: true, requireUppercase: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    userPoolDomain = userPool.addDomain('Domain', {
      cognitoDomain: { domainPrefix: props.cognito.domainPrefix },
    });
    userPoolClient = userPool.addClient('Client', {
      generateSecret: false,
      authFlows: {},
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: [
          props.publicUrl
            ? `${props.publicUrl.replace(/\/+$/, '')}/auth/callback`
            : `${url.url}auth/callback`,
        ],
      },
      idTokenValidity: Duration.hours(1),
    });
    Validations.of(userPool).acknowledge(
      {
        id: 'AwsSolutions-COG2',
        reason: 'MFA is the organisation’s choice in Cognito; Gitferry does not impose it.',
      },
      {
        id: 'AwsSolutions-COG3',
        reason: 'Advanced security (threat protection) is a paid Cognito feature left to the operator.',
      },
      {
        id: 'AwsSolutions-COG8',
        reason: 'The Plus feature plan (threat protection) is a paid choice left to the operator.',
      },
    );
  }

  // A literal name (not a reference) in the function's environment and policy: with Cognito the
  // secret holds the client id, which depends on the sign-in URL, which depends on the function.
  const sessionSecretName = `gitferry-sign-in/${stack.stackName}/session`;
  const sessionSecret = new Secret(id, 'SessionSecret', {
    secretName: sessionSecretName,
    description: 'Gitferry: the key that signs browser sessions (and the Cognito client id)',
    generateSecretString: {
      secretStringTemplate: JSON.stringify(
        userPoolClient ? { clientId: userPoolClient.userPoolClientId } : {},
      ),
      generateStringKey: 'sessionKey',
      passwordLength: 64,
      excludePunctuation: true,
    },
  });
  Validations.of(sessionSecret).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason: 'Rotating the session key signs everyone out; it is rotated by hand (docs/aws-deploy.md).',
  });
  const secretArn = (name: string) =>
    `arn:${Aws.PARTITION}:secretsmanager:${Aws.REGION}:${Aws.ACCOUNT_ID}:secret:${name}-??????`;
  api.role.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['secretsmanager:GetSecretValue'],
      resources: [
        secretArn(sessionSecretName),
        ...(props.clientSecretName ? [secretArn(props.clientSecretName)] : []),
      ],
    }),
  );

  const issuer = userPool
    ? `https://cognito-idp.${Aws.REGION}.${Aws.URL_SUFFIX}/${userPool.userPoolId}`
    : props.issuer!;
  return {
    url,
    sessionSecret,
    userPool,
    userPoolClient,
    userPoolDomain,
    environment: {
      OIDC_ISSUER: issuer,
      OIDC_CLIENT_ID: props.clientId,
      OIDC_CLIENT_SECRET: props.clientSecretName,
      OIDC_CLI_CLIENT_ID: props.cliClientId,
      OIDC_GROUPS_CLAIM: props.groupsClaim ?? (userPool ? 'cognito:groups' : undefined),
      OIDC_SCOPES: (props.scopes ?? (userPool ? ['openid', 'profile', 'email'] : undefined))?.join(' '),
      SESSION_SECRET: sessionSecretName,
      PUBLIC_URL: props.publicUrl,
    },
  };
}
