import { Stack, Token, Validations } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  OriginRequestPolicy,
  PriceClass,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { FunctionUrlOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type { IFunctionUrl } from 'aws-cdk-lib/aws-lambda';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { originVerifyHeader } from '../functions/webhook/webhook-endpoint.js';

export interface WebhookFirewallProps {
  /** The webhook's Function URL (CloudFront's origin). */
  readonly url: IFunctionUrl;
  /**
   * Requests per 5 minutes from one IP address before WAF blocks it (GitHub sends from a few
   * addresses: leave room for bursts of pushes). @default 600
   */
  readonly rateLimitPer5Minutes?: number;
  /**
   * An existing WAF web ACL (scope CLOUDFRONT) to attach. Web ACLs of CloudFront live in
   * us-east-1: outside that region this is required. @default a web ACL with the rate rule (us-east-1 only)
   */
  readonly webAclArn?: string;
}

/**
 * CloudFront with a WAF rate-based rule in front of the webhook's Function URL. CloudFront adds a
 * generated header the webhook checks, so a request sent to the Function URL directly (around the
 * rate limit) is refused before any lookup. Signatures are still what authenticates a push.
 */
export class WebhookFirewall extends Construct {
  readonly distribution: Distribution;
  /** The value of the origin header, for the webhook function's environment. */
  readonly originVerify: string;
  readonly webAclArn: string;

  constructor(scope: Construct, id: string, props: WebhookFirewallProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    if (!props.webAclArn && (Token.isUnresolved(region) || region !== 'us-east-1'))
      throw new Error(
        `webhook firewall: a CloudFront web ACL can only be created in us-east-1 (this stack is in ${Token.isUnresolved(region) ? 'an unknown region' : region}); create one there and pass its ARN as webhookFirewall.webAclArn`,
      );
    this.webAclArn =
      props.webAclArn ??
      new CfnWebACL(this, 'WebAcl', {
        scope: 'CLOUDFRONT',
        defaultAction: { allow: {} },
        visibilityConfig: {
          cloudWatchMetricsEnabled: true,
          metricName: 'GitferryWebhook',
          sampledRequestsEnabled: true,
        },
        rules: [
          {
            name: 'RatePerIp',
            priority: 0,
            action: { block: {} },
            statement: {
              rateBasedStatement: { limit: props.rateLimitPer5Minutes ?? 600, aggregateKeyType: 'IP' },
            },
            visibilityConfig: {
              cloudWatchMetricsEnabled: true,
              metricName: 'GitferryWebhookRatePerIp',
              sampledRequestsEnabled: true,
            },
          },
        ],
      }).attrArn;

    const secret = new Secret(this, 'OriginVerify', {
      description: 'Gitferry: the header CloudFront adds so the webhook knows a request passed WAF',
      generateSecretString: { passwordLength: 32, excludePunctuation: true },
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The origin header only tells the webhook a request came through CloudFront; rotating it needs a CloudFront and Lambda update together, done by redeploying.',
    });
    this.originVerify = secret.secretValue.unsafeUnwrap();
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Gitferry webhook (WAF rate limit)',
      webAclId: this.webAclArn,
      priceClass: PriceClass.PRICE_CLASS_100,
      defaultBehavior: {
        origin: new FunctionUrlOrigin(props.url, {
          customHeaders: { [originVerifyHeader]: this.originVerify },
        }),
        allowedMethods: AllowedMethods.ALLOW_ALL,
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        cachePolicy: CachePolicy.CACHING_DISABLED,
        originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      },
    });
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason: 'Git providers deliver webhooks from many countries; the WAF rate rule limits abuse instead.',
      },
      {
        id: 'AwsSolutions-CFR3',
        reason:
          'Nothing is cached and every request is logged by the webhook function itself; WAF samples requests.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'The default CloudFront domain and certificate: its viewer TLS policy cannot be raised without a custom domain, which is the user’s to add.',
      },
    );
  }
}
