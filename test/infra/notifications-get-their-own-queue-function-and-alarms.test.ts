import { Match } from 'aws-cdk-lib/assertions';
import { awsConfigFromEnv } from '../../shared/runtime/aws-config.js';
import { logicalId, synthGitferry } from './synth-gitferry.js';

// With notifications configured, the worker only queues them: a notification queue with its
// dead-letter queue and alarm, and a notifier function that alone reads the services' secrets
// from Secrets Manager and sends.
describe('notifications get their own queue, function and alarms', () => {
  const notifications = 'service.github: {tokenSecret: gitferry/notifications/github}';
  const { template, stack, deployer } = synthGitferry({ notifications });
  const r = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any> }>; // eslint-disable-line @typescript-eslint/no-explicit-any -- a CloudFormation template
  const queueId = logicalId(stack, deployer.notificationQueue!.queue);
  const dlqId = logicalId(stack, deployer.notificationQueue!.deadLetterQueue);
  const notifierId = logicalId(stack, deployer.notifier!.fn);
  const workerId = logicalId(stack, deployer.worker.fn);

  test('a standard queue redriving to a dead-letter queue that keeps messages longer, with an alarm on its depth', () => {
    expect(r[queueId]!.Properties.FifoQueue).toBeUndefined();
    expect(r[queueId]!.Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
      maxReceiveCount: 5,
    });
    expect(r[dlqId]!.Properties.MessageRetentionPeriod).toBeGreaterThan(
      r[queueId]!.Properties.MessageRetentionPeriod,
    );
    // Visibility: 6× the notifier's timeout (60 s), as Lambda's SQS integration advises.
    expect(r[queueId]!.Properties.VisibilityTimeout).toBe(360);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
      Threshold: 1,
      AlarmDescription: Match.stringLikeRegexp('notification jobs failed 5 times'),
      AlarmActions: Match.anyValue(),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: notifierId } }],
    });
  });

  test('the notifier consumes the queue with partial batch failures; the worker sends to it and is told where', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      FunctionName: { Ref: notifierId },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const workerEnv = r[workerId]!.Properties.Environment.Variables;
    expect(workerEnv.GITFERRY_NOTIFICATION_QUEUE_URL).toEqual({ Ref: queueId });
    const notifierEnv = r[notifierId]!.Properties.Environment.Variables;
    const config = awsConfigFromEnv(
      Object.fromEntries(
        Object.entries(notifierEnv).map(([k, v]) => [k, typeof v === 'string' ? v : 'resolved-at-deploy']),
      ),
    );
    expect(config.notifications).toBe(notifications);
    expect(config.notificationQueueUrl).toBe('resolved-at-deploy');
    expect(r[notifierId]!.Properties.VpcConfig).toBeUndefined();
  });

  test('only the notifier reads secrets for notifications; its role writes the table and its own queue, nothing else', () => {
    const notifierRole = logicalId(stack, deployer.notifier!.role);
    const policies = Object.values(r).filter(
      (x) =>
        x.Type === 'AWS::IAM::Policy' &&
        x.Properties.Roles.some((ref: { Ref: string }) => ref.Ref === notifierRole),
    );
    const statements = policies.flatMap(
      (p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    );
    const actions = new Set(statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])));
    expect(actions.has('secretsmanager:GetSecretValue')).toBe(true);
    expect([...actions].filter((a) => /^(eks|sts|lambda):/.test(a))).toEqual([]);
    const sends = statements.filter((s) => ([] as string[]).concat(s.Action).includes('sqs:SendMessage'));
    expect(sends.map((s) => s.Resource)).toEqual([{ 'Fn::GetAtt': [queueId, 'Arn'] }]);
  });

  test('without notifications, or with notificationQueue false, there is no notifier', () => {
    expect(synthGitferry().deployer.notifier).toBeUndefined();
    const inWorker = synthGitferry({ notifications, notificationQueue: false });
    expect(inWorker.deployer.notifier).toBeUndefined();
    expect(
      inWorker.template.toJSON().Resources[logicalId(inWorker.stack, inWorker.deployer.worker.fn)].Properties
        .Environment.Variables.GITFERRY_NOTIFICATION_QUEUE_URL,
    ).toBeUndefined();
  });
});
