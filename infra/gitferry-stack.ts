import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { GitferryDeployer, type GitferryDeployerProps } from './gitferry-deployer.js';

export interface GitferryStackProps extends StackProps {
  readonly deployer?: GitferryDeployerProps;
}

/** The stack `cdk deploy` installs: the GitferryDeployer and the outputs needed to use it. */
export class GitferryStack extends Stack {
  readonly deployer: GitferryDeployer;

  constructor(scope: Construct, id: string, props: GitferryStackProps = {}) {
    super(scope, id, { description: 'Gitferry: serverless GitOps deployer', ...props });
    this.deployer = new GitferryDeployer(this, 'Gitferry', props.deployer);
    const d = this.deployer;
    new CfnOutput(this, 'WebhookUrl', {
      value: d.webhookEndpoint,
      description: 'Payload URL for GitHub/GitLab webhooks (content type application/json)',
    });
    new CfnOutput(this, 'ApiUrl', {
      value: d.apiUrl.url,
      description: 'The Gitferry API (IAM auth: sign requests with SigV4, service lambda)',
    });
    new CfnOutput(this, 'GithubWebhookSecretName', {
      value: d.githubWebhookSecret.secretName,
      description: 'aws secretsmanager get-secret-value --secret-id <this>: the webhook secret for GitHub',
    });
    new CfnOutput(this, 'TableName', { value: d.table.tableName });
    new CfnOutput(this, 'QueueUrl', { value: d.queue.queue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: d.queue.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: d.alarms.topic.topicArn,
      description:
        'Every Gitferry alarm notifies this topic: subscribe to it (or deploy with -c alarmEmail=…)',
    });
    new CfnOutput(this, 'WorkerRoleArn', {
      value: d.worker.role.roleArn,
      description:
        'The only role that reaches clusters: trust it from cluster roles in other accounts (Cluster.roleArn) or grant it an EKS access entry',
    });
    new CfnOutput(this, 'ApiRoleArn', {
      value: d.api.role.roleArn,
      description: 'The API function role (no cluster access): for audit and resource policies',
    });
  }
}
