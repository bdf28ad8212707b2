import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { logicalId, synthGitferry, testApp } from './synth-gitferry.js';

describe('alarms', () => {
  const { template, stack, deployer } = synthGitferry({ alarmEmail: 'ops@example.com' });
  const alarms = () =>
    Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
  const topicRef = { Ref: logicalId(stack, deployer.alarms.topic as never) };
  const fnRef = (fn: typeof deployer.worker) => ({ Ref: logicalId(stack, fn.fn) });

  test('cover dead letters, queue age, worker errors and throttles, drift, webhook 5xx, recursion and failed wake-ups', () => {
    const byMetric = (ns: string, name: string) =>
      alarms().filter((a) => a.Namespace === ns && a.MetricName === name);
    expect(byMetric('AWS/SQS', 'ApproximateAgeOfOldestMessage')).toHaveLength(1);
    expect(byMetric('AWS/Lambda', 'Errors').map((a) => a.Dimensions[0].Value)).toEqual(
      expect.arrayContaining([fnRef(deployer.worker), fnRef(deployer.drift)]),
    );
    expect(byMetric('AWS/Lambda', 'Throttles').map((a) => a.Dimensions[0].Value)).toEqual([
      fnRef(deployer.worker),
    ]);
    expect(byMetric('AWS/Lambda', 'Url5xxCount').map((a) => a.Dimensions[0].Value)).toEqual([
      fnRef(deployer.webhook),
    ]);
    expect(byMetric('AWS/Lambda', 'RecursiveInvocationsDropped').map((a) => a.Dimensions[0].Value)).toEqual([
      fnRef(deployer.worker),
    ]);
    expect(byMetric('Gitferry', 'WakeUpFailed')).toEqual([
      expect.objectContaining({
        Dimensions: [{ Name: 'service', Value: 'gitferry-worker' }],
        Statistic: 'Sum',
      }),
    ]);
    // The dead-letter queue: depth (existing alarm) and its increase (metric math).
    const increase = alarms().filter((a) =>
      (a.Metrics ?? []).some((m: { Expression?: string }) => m.Expression === 'DIFF(dlq)'),
    );
    expect(increase).toHaveLength(1);
  });

  test('the queue-age alarm allows the longest planned delay (15 min)', () => {
    const [age] = alarms().filter((a) => a.MetricName === 'ApproximateAgeOfOldestMessage');
    expect(age.Threshold).toBeGreaterThan(15 * 60);
  });

  test('every alarm notifies the topic, which is encrypted and has the e-mail subscribed', () => {
    expect(alarms().length).toBeGreaterThanOrEqual(9);
    for (const a of alarms()) expect(a.AlarmActions).toEqual([topicRef]);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: topicRef,
    });
    template.hasOutput('AlarmTopicArn', { Value: topicRef });
  });

  test('CloudWatch may use the topic key to publish', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
  });

  test('a given topic is used instead of a new one', () => {
    // Imported by ARN (a literal: no reference to the stack it came from).
    const arn = 'arn:aws:sns:eu-west-1:123456789012:ops';
    const withTopic = synthGitferry({
      alarmTopic: Topic.fromTopicArn(new Stack(testApp(), 'Ops'), 'Ops', arn),
    });
    withTopic.template.resourceCountIs('AWS::SNS::Topic', 0);
    for (const a of Object.values(withTopic.template.findResources('AWS::CloudWatch::Alarm')))
      expect(a.Properties.AlarmActions).toEqual(['arn:aws:sns:eu-west-1:123456789012:ops']);
  });

  test('the dashboard shows every alarm', () => {
    const [dash] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(stack.resolve(dash!.Properties.DashboardBody));
    for (const id of Object.keys(template.findResources('AWS::CloudWatch::Alarm')))
      expect(body).toContain(id);
  });
});
