import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  MathExpression,
  Metric,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic, type ITopic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface GitferryAlarmsProps {
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
  readonly worker: IFunction;
  readonly webhook: IFunction;
  readonly drift: IFunction;
  /** The notifier function (notifications off the worker's path). @default none */
  readonly notifier?: IFunction;
  /** Where every alarm notifies. @default a new encrypted topic */
  readonly topic?: ITopic;
  /** Subscribed to the topic (confirm the e-mail AWS sends). @default no subscription */
  readonly email?: string;
  /**
   * A wake-up older than this is stuck (the longest planned delay is SQS's 15 minutes).
   * @default 20 minutes
   */
  readonly oldestMessageAge?: Duration;
}

/** The metric the worker writes (Embedded Metric Format) when a wake-up fails. */
export function wakeUpFailedMetric(period: Duration): Metric {
  return new Metric({
    namespace: 'Gitferry',
    metricName: 'WakeUpFailed',
    dimensionsMap: { service: 'gitferry-worker' },
    statistic: 'Sum',
    period,
  });
}

/** Lambda's own per-function metrics that the construct's IFunction has no helper for. */
function lambdaMetric(fn: IFunction, metricName: string, period: Duration): Metric {
  return new Metric({
    namespace: 'AWS/Lambda',
    metricName,
    dimensionsMap: { FunctionName: fn.functionName },
    statistic: 'Sum',
    period,
  });
}

/**
 * The alarms that say syncs are not flowing, all notifying one SNS topic: dead letters arriving,
 * wake-ups waiting too long, worker errors and throttles, drift failures, webhook 5xx answers,
 * wake-up chains Lambda cut off as recursive, and failed wake-ups.
 */
export class GitferryAlarms extends Construct {
  readonly topic: ITopic;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: GitferryAlarmsProps) {
    super(scope, id);
    if (props.topic) {
      this.topic = props.topic;
    } else {
      // A key of our own: the AWS managed SNS key does not let CloudWatch publish.
      const key = new Key(this, 'TopicKey', {
        description: 'Gitferry alarm notifications',
        enableKeyRotation: true,
      });
      // CloudWatch publishes alarms to the encrypted topic: it needs the key.
      key.addToResourcePolicy(
        new PolicyStatement({
          principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
        }),
      );
      const topic = new Topic(this, 'Topic', {
        displayName: 'Gitferry alarms',
        masterKey: key,
        enforceSSL: true,
      });
      this.topic = topic;
    }
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email));
    const minute = Duration.minutes(1);
    const five = Duration.minutes(5);
    const action = new SnsAction(this.topic);
    const alarm = (
      id: string,
      description: string,
      metric: IMetric,
      threshold: number,
      evaluationPeriods = 1,
    ) => {
      const a = new Alarm(this, id, {
        alarmDescription: `Gitferry: ${description}`,
        metric,
        threshold,
        evaluationPeriods,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(action);
      a.addOkAction(action);
      this.alarms.push(a);
      return a;
    };
    alarm(
      'DeadLettersIncreased',
      'wake-ups reached the dead-letter queue (depth went up): read the worker logs, fix, then redrive.',
      new MathExpression({
        expression: 'DIFF(dlq)',
        usingMetrics: {
          dlq: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period: minute,
            statistic: 'Maximum',
          }),
        },
        label: 'Dead letters added',
        period: minute,
      }),
      1,
    );
    alarm(
      'OldestWakeUpAge',
      'a wake-up has waited longer than planned: workers are stuck, throttled or failing.',
      props.queue.metricApproximateAgeOfOldestMessage({ period: minute, statistic: 'Maximum' }),
      (props.oldestMessageAge ?? Duration.minutes(20)).toSeconds(),
      5,
    );
    alarm(
      'WorkerErrors',
      'worker invocations failed or timed out (whole batches come back).',
      props.worker.metricErrors({ period: five, statistic: 'Sum' }),
      1,
    );
    alarm(
      'WorkerThrottles',
      'worker invocations were throttled: account concurrency is exhausted.',
      props.worker.metricThrottles({ period: five, statistic: 'Sum' }),
      1,
    );
    alarm(
      'DriftErrors',
      'the drift schedule failed twice in a row: drift checks and the webhook fallback are not running.',
      props.drift.metricErrors({ period: five, statistic: 'Sum' }),
      1,
      2,
    );
    alarm(
      'Webhook5xx',
      'the webhook answered 5xx: pushes were not enqueued (GitHub may redeliver).',
      lambdaMetric(props.webhook, 'Url5xxCount', five),
      1,
    );
    alarm(
      'RecursiveInvocationsDropped',
      'Lambda cut off a wake-up chain as a recursive loop: the chain bound in the worker did not hold.',
      lambdaMetric(props.worker, 'RecursiveInvocationsDropped', five),
      1,
    );
    if (props.notifier)
      alarm(
        'NotifierErrors',
        'notifier invocations failed or timed out: notification jobs come back, then reach their dead-letter queue.',
        props.notifier.metricErrors({ period: five, statistic: 'Sum' }),
        1,
        2,
      );
    alarm(
      'WakeUpFailed',
      'wake-ups failed repeatedly (each is retried, then dead-lettered): read the worker logs.',
      wakeUpFailedMetric(five),
      5,
    );
  }
}
