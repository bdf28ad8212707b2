import { Match } from 'aws-cdk-lib/assertions';
import { logicalId, synthGitferry } from './synth-gitferry.js';

describe('the webhook', () => {
  test('has reserved concurrency: 10 by default, or as configured', () => {
    const { template, stack, deployer } = synthGitferry();
    const fn = (t: typeof template, id: string) => t.toJSON().Resources[id].Properties;
    expect(fn(template, logicalId(stack, deployer.webhook.fn)).ReservedConcurrentExecutions).toBe(10);
    const s = synthGitferry({ webhookReservedConcurrency: 3 });
    expect(fn(s.template, logicalId(s.stack, s.deployer.webhook.fn)).ReservedConcurrentExecutions).toBe(3);
    const none = synthGitferry({ webhookReservedConcurrency: 'none' });
    expect(
      fn(none.template, logicalId(none.stack, none.deployer.webhook.fn)).ReservedConcurrentExecutions,
    ).toBeUndefined();
    // 0 would refuse every webhook: a mistake, not a setting.
    for (const bad of [0, -1, 2.5, Number.NaN])
      expect(() => synthGitferry({ webhookReservedConcurrency: bad })).toThrow(/whole number ≥ 1 or 'none'/);
    // The worker and the others share the account pool.
    expect(fn(template, logicalId(stack, deployer.worker.fn)).ReservedConcurrentExecutions).toBeUndefined();
  });

  test('its secret is named after the stack and retained when the stack is deleted', () => {
    const { template, stack, deployer } = synthGitferry();
    const secret = template.toJSON().Resources[logicalId(stack, deployer.githubWebhookSecret as never)];
    expect(secret.Properties.Name).toBe('gitferry-webhooks/Gitferry/github');
    expect(secret.DeletionPolicy).toBe('Retain');
    expect(secret.UpdateReplacePolicy).toBe('Retain');
  });

  test('without a firewall, the payload URL is the Function URL and nothing checks an origin header', () => {
    const { template, stack, deployer } = synthGitferry();
    template.resourceCountIs('AWS::CloudFront::Distribution', 0);
    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    template.hasOutput('WebhookUrl', {
      Value: { 'Fn::GetAtt': [logicalId(stack, deployer.webhookUrl as never), 'FunctionUrl'] },
    });
    const env =
      template.toJSON().Resources[logicalId(stack, deployer.webhook.fn)].Properties.Environment.Variables;
    expect(env.GITFERRY_WEBHOOK_ORIGIN_VERIFY).toBeUndefined();
  });

  const usEast1 = { account: '123456789012', region: 'us-east-1' };

  test('with a firewall: CloudFront with a WAF rate rule per IP in front, and the function checks the origin header', () => {
    const { template, stack, deployer } = synthGitferry(
      { webhookFirewall: { rateLimitPer5Minutes: 300 } },
      { env: usEast1 },
    );
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'CLOUDFRONT',
      Rules: [
        Match.objectLike({
          Action: { Block: {} },
          Statement: { RateBasedStatement: { Limit: 300, AggregateKeyType: 'IP' } },
        }),
      ],
    });
    const [webAcl] = Object.keys(template.findResources('AWS::WAFv2::WebACL'));
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        WebACLId: { 'Fn::GetAtt': [webAcl, 'Arn'] },
        Origins: [
          Match.objectLike({
            OriginCustomHeaders: [{ HeaderName: 'x-gitferry-origin-verify', HeaderValue: Match.anyValue() }],
          }),
        ],
        DefaultCacheBehavior: Match.objectLike({
          AllowedMethods: Match.arrayWith(['POST']),
          ViewerProtocolPolicy: 'https-only',
        }),
      }),
    });
    const env =
      template.toJSON().Resources[logicalId(stack, deployer.webhook.fn)].Properties.Environment.Variables;
    const header = Object.values(template.findResources('AWS::CloudFront::Distribution'))[0]!.Properties
      .DistributionConfig.Origins[0].OriginCustomHeaders[0].HeaderValue;
    // The same generated value on both sides, never a literal in the template.
    expect(env.GITFERRY_WEBHOOK_ORIGIN_VERIFY).toEqual(header);
    expect(JSON.stringify(header)).toContain('resolve:secretsmanager');
    template.hasOutput('WebhookUrl', {
      Value: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith(['https://'])] }),
    });
  });

  test('outside us-east-1, a firewall needs the ARN of a web ACL made there', () => {
    expect(() => synthGitferry({ webhookFirewall: {} })).toThrow(/only be created in us-east-1.*webAclArn/);
    const acl = 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/gitferry/abc';
    const { template } = synthGitferry({ webhookFirewall: { webAclArn: acl } });
    template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({ WebACLId: acl }),
    });
  });
});
