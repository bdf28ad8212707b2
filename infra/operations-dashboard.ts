import { Duration } from 'aws-cdk-lib';
import {
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  type IAlarm,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface OperationsDashboardProps {
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
  readonly worker: IFunction;
  readonly webhook: IFunction;
  readonly api: IFunction;
  readonly drift: IFunction;
  /** Shown as one status row at the top. */
  readonly alarms?: IAlarm[];
}

/** One dashboard with what tells whether syncs are flowing: queue and DLQ depth, worker health. */
export class OperationsDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    const period = Duration.minutes(1);
    const errors = (fns: IFunction[]): IMetric[] => fns.map((f) => f.metricErrors({ period }));
    this.dashboard = new Dashboard(this, 'Dashboard', {
      widgets: [
        ...(props.alarms?.length
          ? [[new AlarmStatusWidget({ title: 'Alarms', alarms: props.alarms, width: 24 })]]
          : []),
        [
          new GraphWidget({
            title: 'Wake-ups waiting',
            left: [
              props.queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
              props.queue.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum' }),
            ],
          }),
          new GraphWidget({
            title: 'Dead letters',
            left: [
              props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
                period,
                statistic: 'Maximum',
              }),
            ],
          }),
        ],
        [
          new GraphWidget({
            title: 'Worker',
            left: [props.worker.metricErrors({ period }), props.worker.metricThrottles({ period })],
            right: [
              props.worker.metricDuration({ period, statistic: 'p50' }),
              props.worker.metricDuration({ period, statistic: 'p99' }),
            ],
          }),
          new GraphWidget({
            title: 'Webhook, API and drift errors',
            left: errors([props.webhook, props.api, props.drift]),
          }),
        ],
      ],
    });
  }
}
