// What the construct adds for OIDC sign-in: a second Function URL without IAM auth on an alias of
// the API (the IAM URL stays), a generated session secret the API may read by name, the OIDC and
// RBAC settings in the API's environment (read back through the runtime's parser), and, for teams
// without an IdP, a Cognito user pool, public client and domain wired as the issuer.
import { Match } from 'aws-cdk-lib/assertions';
import { awsConfigFromEnv } from '../../shared/runtime/aws-config.js';
import { allowedActions, logicalId, synthGitferry } from './synth-gitferry.js';

function apiEnv(s: ReturnType<typeof synthGitferry>): Record<string, unknown> {
  const fn = s.template.findResources('AWS::Lambda::Function')[logicalId(s.stack, s.deployer.api.fn)]!;
  return fn.Properties.Environment.Variables as Record<string, unknown>;
}

const asStrings = (env: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(env).map(([k, v]) => [k, typeof v === 'string' ? v : 'resolved-at-deploy']),
  );

describe('sign-in on AWS', () => {
  test('without signIn the API keeps only its IAM Function URL, and IAM callers stay admins', () => {
    const s = synthGitferry();
    const urls = Object.values(s.template.findResources('AWS::Lambda::Url'));
    expect(urls.map((u) => u.Properties.AuthType).sort()).toEqual(['AWS_IAM', 'NONE']); // API + webhook
    expect(s.deployer.signIn).toBeUndefined();
    expect(awsConfigFromEnv(asStrings({ ...apiEnv(s), AWS_REGION: 'eu-west-1' })).access).toMatchObject({
      iamRole: 'role:admin',
      auditRetentionDays: 90,
    });
    expect(awsConfigFromEnv(asStrings(apiEnv(s))).access.oidc).toBeUndefined();
  });

  test('an IdP: a NONE URL on the signin alias, a generated session secret, the settings the runtime reads', () => {
    const s = synthGitferry({
      signIn: {
        issuer: 'https://login.example.com/realms/platform',
        clientId: 'gitferry',
        clientSecretName: 'platform/gitferry-oidc',
        cliClientId: 'gitferry-cli',
      },
      rbac: {
        policyCsv: 'g, platform-admins, role:admin',
        defaultRole: 'role:readonly',
        iamRole: 'role:readonly',
      },
      auditRetentionDays: 30,
    });
    const { template, stack, deployer } = s;
    template.hasResourceProperties('AWS::Lambda::Alias', { Name: 'signin' });
    template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'NONE',
      Qualifier: 'signin',
      TargetFunctionArn: { 'Fn::GetAtt': [logicalId(stack, deployer.api.fn), 'Arn'] },
    });
    // The IAM URL on the function itself stays, for SigV4 automation.
    template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'AWS_IAM',
      TargetFunctionArn: { 'Fn::GetAtt': [logicalId(stack, deployer.api.fn), 'Arn'] },
    });
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'gitferry-sign-in/Gitferry/session',
      GenerateSecretString: Match.objectLike({ GenerateStringKey: 'sessionKey', PasswordLength: 64 }),
    });
    // The API reads the session secret and the client secret, by name, and nothing else of the kind.
    const reads = JSON.stringify(
      allowedActions(template, stack, deployer.api.role).get('secretsmanager:GetSecretValue'),
    );
    expect(reads).toContain(':secret:gitferry-sign-in/Gitferry/session-??????');
    expect(reads).toContain(':secret:platform/gitferry-oidc-??????');
    expect(reads).not.toContain('*');

    const access = awsConfigFromEnv(asStrings({ ...apiEnv(s) })).access;
    expect(access).toEqual({
      oidc: {
        issuer: 'https://login.example.com/realms/platform',
        clientId: 'gitferry',
        clientSecretName: 'platform/gitferry-oidc',
        cliClientId: 'gitferry-cli',
        groupsClaim: undefined,
        scopes: undefined,
      },
      sessionSecretName: 'gitferry-sign-in/Gitferry/session',
      publicUrl: undefined,
      policyCsv: 'g, platform-admins, role:admin',
      policySecretName: undefined,
      defaultRole: 'role:readonly',
      iamRole: 'role:readonly',
      auditRetentionDays: 30,
    });
    // Only the API function gets sign-in settings.
    const worker = template.findResources('AWS::Lambda::Function')[logicalId(stack, deployer.worker.fn)]!;
    expect(Object.keys(worker.Properties.Environment.Variables)).not.toContain('GITFERRY_OIDC_ISSUER');
  });

  test('cognito: a pool without self sign-up, a public code+PKCE client calling back to the sign-in URL, a domain, wired as the issuer', () => {
    const s = synthGitferry({ signIn: { cognito: { domainPrefix: 'acme-gitferry' } } });
    const { template } = s;
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'acme-gitferry' });
    const [client] = Object.values(template.findResources('AWS::Cognito::UserPoolClient'));
    expect(client!.Properties).toMatchObject({
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: expect.arrayContaining(['openid', 'email', 'profile']),
    });
    const urlId = Object.entries(template.findResources('AWS::Lambda::Url')).find(
      ([, u]) => u.Properties.Qualifier !== undefined,
    )![0];
    expect(JSON.stringify(client!.Properties.CallbackURLs)).toContain(urlId);
    expect(JSON.stringify(client!.Properties.CallbackURLs)).toContain('auth/callback');
    // The client id reaches the API through the session secret (no cycle through its own URL).
    const [secret] = Object.values(
      template.findResources('AWS::SecretsManager::Secret', {
        Properties: { Name: 'gitferry-sign-in/Gitferry/session' },
      }),
    );
    expect(JSON.stringify(secret!.Properties.GenerateSecretString.SecretStringTemplate)).toContain(
      'clientId',
    );
    const env = apiEnv(s);
    expect(JSON.stringify(env.GITFERRY_OIDC_ISSUER)).toContain('cognito-idp');
    expect(env.GITFERRY_OIDC_GROUPS_CLAIM).toBe('cognito:groups');
    expect(env.GITFERRY_OIDC_SCOPES).toBe('openid profile email');
    expect(env.GITFERRY_OIDC_CLIENT_ID).toBeUndefined();
  });

  test('bad sign-in props fail the synth naming the prop', () => {
    expect(() => synthGitferry({ signIn: { issuer: 'http://idp.example.com', clientId: 'x' } })).toThrow(
      /signIn.issuer/,
    );
    expect(() => synthGitferry({ signIn: { clientId: 'x' } })).toThrow(/issuer and clientId are required/);
    expect(() =>
      synthGitferry({
        signIn: { cognito: { domainPrefix: 'a' }, issuer: 'https://x.example.com', clientId: 'x' },
      }),
    ).toThrow(/either cognito/);
    expect(() => synthGitferry({ auditRetentionDays: 0 })).toThrow(/auditRetentionDays/);
  });
});
