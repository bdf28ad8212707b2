import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { logicalId, synthGitferry } from './synth-gitferry.js';

describe('the wake-up queue', () => {
  const { template, stack, deployer } = synthGitferry();
  const queueId = logicalId(stack, deployer.queue.queue);
  const dlqId = logicalId(stack, deployer.queue.deadLetterQueue);

  test('is a standard queue (per-message delays) redriving to a DLQ after 5 receives', () => {
    const queue = template.toJSON().Resources[queueId];
    expect(queue.Properties.FifoQueue).toBeUndefined();
    expect(queue.Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
      maxReceiveCount: 5,
    });
  });

  test('keeps dead letters longer than the queue keeps messages', () => {
    const r = template.toJSON().Resources;
    expect(r[dlqId].Properties.MessageRetentionPeriod).toBeGreaterThan(
      r[queueId].Properties.MessageRetentionPeriod,
    );
  });

  test('is encrypted and refuses plain HTTP on both queues', () => {
    for (const id of [queueId, dlqId]) {
      expect(template.toJSON().Resources[id].Properties.SqsManagedSseEnabled).toBe(true);
    }
    template.resourcePropertiesCountIs(
      'AWS::SQS::QueuePolicy',
      Match.objectLike({
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      }),
      2,
    );
  });

  test('has an alarm when anything reaches the dead-letter queue', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  test('feeds the worker with partial batch failures reported', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      FunctionName: { Ref: logicalId(stack, deployer.worker.fn) },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  test.each([undefined, Duration.minutes(2), Duration.minutes(15)])(
    'has a visibility timeout of at least 6x the worker timeout (%s)',
    (workerTimeout) => {
      const s = synthGitferry({ workerTimeout });
      const r = s.template.toJSON().Resources;
      const timeout = r[logicalId(s.stack, s.deployer.worker.fn)].Properties.Timeout as number;
      const visibility = r[logicalId(s.stack, s.deployer.queue.queue)].Properties.VisibilityTimeout as number;
      expect(timeout).toBe(workerTimeout?.toSeconds() ?? 120);
      expect(visibility).toBeGreaterThanOrEqual(6 * timeout);
    },
  );
});
