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
      value: d.webhookUrl.url,
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
  }
}
