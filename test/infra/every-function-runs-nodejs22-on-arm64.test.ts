import { Match } from 'aws-cdk-lib/assertions';
import { logicalId, synthGitferry } from './synth-gitferry.js';

describe('the functions', () => {
  const { template, stack, deployer } = synthGitferry({ memory: { worker: 3008 } });
  const functions = template.findResources('AWS::Lambda::Function');

  test('are four: webhook, worker, drift and API', () => {
    expect(Object.keys(functions)).toHaveLength(4);
  });

  test('all run nodejs22.x on arm64', () => {
    for (const fn of Object.values(functions)) {
      expect(fn.Properties.Runtime).toBe('nodejs22.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
    }
  });

  test('each log to their own group with a retention', () => {
    const groups = template.findResources('AWS::Logs::LogGroup');
    expect(Object.keys(groups)).toHaveLength(4);
    for (const g of Object.values(groups)) expect(g.Properties.RetentionInDays).toBe(30);
    for (const fn of Object.values(functions)) {
      expect(Object.keys(groups)).toContain(fn.Properties.LoggingConfig.LogGroup.Ref);
    }
  });

  test('take their memory sizes from the props, with defaults', () => {
    const memory = (f: { fn: unknown }) => functions[logicalId(stack, f.fn as never)]!.Properties.MemorySize;
    expect(memory(deployer.worker)).toBe(3008);
    expect(memory(deployer.webhook)).toBe(512);
    expect(memory(deployer.drift)).toBe(256);
  });

  test('find the table and queue in their environment, and the worker finds helm and kustomize in its layer', () => {
    const env = functions[logicalId(stack, deployer.worker.fn)]!.Properties.Environment.Variables;
    expect(env).toMatchObject({
      GITFERRY_TABLE: { Ref: logicalId(stack, deployer.table) },
      GITFERRY_QUEUE_URL: { Ref: logicalId(stack, deployer.queue.queue) },
      GITFERRY_HELM: '/opt/bin/helm',
      GITFERRY_KUSTOMIZE: '/opt/bin/kustomize',
      GITFERRY_WORK_DIR: '/tmp/gitferry',
    });
    expect(functions[logicalId(stack, deployer.worker.fn)]!.Properties.Layers).toEqual([
      { Ref: logicalId(stack, deployer.toolsLayer.layer) },
    ]);
    expect(functions[logicalId(stack, deployer.webhook.fn)]!.Properties.Environment.Variables).toMatchObject({
      GITFERRY_GITHUB_SECRET: 'gitferry-webhooks/Gitferry/github',
    });
  });

  test('expose the webhook publicly (it verifies signatures) and the API behind IAM auth', () => {
    template.hasResourceProperties('AWS::Lambda::Url', {
      TargetFunctionArn: { 'Fn::GetAtt': [logicalId(stack, deployer.webhook.fn), 'Arn'] },
      AuthType: 'NONE',
    });
    template.hasResourceProperties('AWS::Lambda::Url', {
      TargetFunctionArn: { 'Fn::GetAtt': [logicalId(stack, deployer.api.fn), 'Arn'] },
      AuthType: 'AWS_IAM',
    });
  });

  test('run drift checks every 3 minutes by default', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(3 minutes)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(stack, deployer.drift.fn), 'Arn'] } })],
    });
  });

  test('are watched on a dashboard with queue depth, dead letters and worker errors and duration', () => {
    const body = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]);
    for (const metric of ['ApproximateNumberOfMessagesVisible', 'Errors', 'Duration'])
      expect(body).toContain(metric);
  });
});
