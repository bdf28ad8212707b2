import { Stack, Validations } from 'aws-cdk-lib';
import { SecurityGroup, Vpc } from 'aws-cdk-lib/aws-ec2';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { GitferryDeployer, type GitferryDeployerProps } from '../../infra/gitferry-deployer.js';
import { testApp, testEnv } from './synth-gitferry.js';

/** Synthesizes with cdk-nag's AwsSolutions pack: any unacknowledged finding makes synth throw. */
function nag(configure: (stack: Stack) => GitferryDeployerProps = () => ({}), env = testEnv): Stack {
  const app = testApp();
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = new Stack(app, 'Gitferry', { env });
  new GitferryDeployer(stack, 'Gitferry', { plainYamlOnly: true, ...configure(stack) });
  app.synth();
  return stack;
}

/** Acknowledgements are recorded as construct metadata: `{ "<prefix>::<rule id>": reason }`. */
function acknowledgements(root: IConstruct): { path: string; id: string; reason: unknown }[] {
  return root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, unknown>))
      .map(([id, reason]) => ({ path: c.node.path, id, reason })),
  );
}

describe('cdk-nag AwsSolutions', () => {
  test('finds nothing unacknowledged in the default stack', () => {
    expect(() => nag()).not.toThrow();
  });

  test('finds nothing unacknowledged with OIDC sign-in, a Cognito user pool and an RBAC policy secret', () => {
    expect(() =>
      nag(() => ({
        signIn: {
          issuer: 'https://login.example.com',
          clientId: 'gitferry',
          clientSecretName: 'idp/gitferry',
        },
        rbac: { policySecretName: 'gitferry-rbac/policy', iamRole: 'role:readonly' },
      })),
    ).not.toThrow();
    expect(() => nag(() => ({ signIn: { cognito: { domainPrefix: 'acme-gitferry' } } }))).not.toThrow();
  });

  test('finds nothing unacknowledged with clusters, assumable roles, a VPC, an alarm topic, tracing and notifications', () => {
    expect(() =>
      nag((stack) => ({
        notifications: 'service.slack: {webhookURLSecret: gitferry/slack}',
        clusters: ['prod'],
        clusterAccess: { namespaces: ['shop'] },
        tracing: true,
        alarmEmail: 'ops@example.com',
        clusterSecurityGroups: [
          SecurityGroup.fromSecurityGroupId(stack, 'ClusterSg', 'sg-0123456789abcdef0'),
        ],
        assumableRoleArns: ['arn:aws:iam::210987654321:role/gitferry-deployer'],
        gitlabWebhookSecretName: 'gitferry-webhooks/gitlab',
        vpc: Vpc.fromVpcAttributes(stack, 'Vpc', {
          vpcId: 'vpc-0123456789abcdef0',
          availabilityZones: ['eu-west-1a', 'eu-west-1b'],
          privateSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
        }),
        alarmTopic: Topic.fromTopicArn(stack, 'Topic', 'arn:aws:sns:eu-west-1:123456789012:ops'),
      })),
    ).not.toThrow();
  });

  test('finds nothing unacknowledged with the webhook behind CloudFront and WAF (us-east-1)', () => {
    expect(() =>
      nag(() => ({ webhookFirewall: { rateLimitPer5Minutes: 300 } }), {
        account: '123456789012',
        region: 'us-east-1',
      }),
    ).not.toThrow();
  });

  test('every acknowledgement gives a reason', () => {
    const stack = nag();
    const acks = acknowledgements(stack);
    expect(acks.length).toBeGreaterThan(0);
    for (const a of acks)
      expect({ ...a, reason: String(a.reason).length > 40 }).toEqual({ ...a, reason: true });
  });
});
