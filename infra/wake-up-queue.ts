import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface WakeUpQueueProps {
  /** The worker's timeout: the visibility timeout is 6× it, as Lambda's SQS integration advises. */
  readonly workerTimeout: Duration;
  /** Receives before a wake-up goes to the dead-letter queue. @default 5 */
  readonly maxReceiveCount?: number;
  /** Where the dead-letter alarm notifies. @default no action (the alarm shows on the dashboard) */
  readonly alarmTopic?: ITopic;
  /** What the dead-letter alarm tells the reader. @default the wake-up queue's text */
  readonly deadLetterDescription?: string;
}

/**
 * The standard SQS queue of wake-ups (and, with its own instance, of notification jobs) (per-message delays; FIFO queues have none) with a
 * dead-letter queue that keeps messages longer than the queue, and an alarm on its depth.
 */
export class WakeUpQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly deadLetterAlarm: Alarm;

  constructor(scope: Construct, id: string, props: WakeUpQueueProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Longer than the queue's retention, so a message is never lost on its way to the DLQ.
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(props.workerTimeout.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
    });
    this.deadLetterAlarm = new Alarm(this, 'DeadLettersAlarm', {
      alarmDescription:
        props.deadLetterDescription ??
        'Gitferry wake-ups failed 5 times and reached the dead-letter queue: read the worker logs, fix, then redrive.',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmTopic) this.deadLetterAlarm.addAlarmAction(new SnsAction(props.alarmTopic));
  }
}
