import { logicalId, synthGitferry, allowedActions } from './synth-gitferry.js';

describe('least privilege', () => {
  const { template, stack, deployer } = synthGitferry({
    clusters: ['prod'],
    clusterAccess: { namespaces: ['shop'] },
    assumableRoleArns: ['arn:aws:iam::210987654321:role/gitferry-deployer'],
  });
  const actions = (role: typeof deployer.webhook.role) => allowedActions(template, stack, role);
  const tableArn = { 'Fn::GetAtt': [logicalId(stack, deployer.table), 'Arn'] };
  const queueArn = { 'Fn::GetAtt': [logicalId(stack, deployer.queue.queue), 'Arn'] };

  test('no role allows a wildcard action', () => {
    for (const f of [deployer.webhook, deployer.worker, deployer.drift, deployer.api])
      for (const a of actions(f.role).keys()) expect(a).not.toMatch(/\*/);
  });

  test('the drift role reads the table, secrets under the prefix and the granted clusters, sends wake-ups, and writes nothing', () => {
    const drift = actions(deployer.drift.role);
    expect(drift.has('dynamodb:GetItem')).toBe(true);
    expect(drift.get('dynamodb:Query')).toContainEqual(tableArn);
    expect(drift.get('sqs:SendMessage')).toEqual([queueArn]);
    for (const a of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'sqs:ReceiveMessage'])
      expect(drift.has(a)).toBe(false);
    expect(JSON.stringify(drift.get('secretsmanager:GetSecretValue'))).toContain(':secret:gitferry/*');
    expect(drift.get('eks:DescribeCluster')).toEqual([
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':eks:eu-west-1:123456789012:cluster/prod']] },
    ]);
    expect(drift.get('sts:AssumeRole')).toEqual(['arn:aws:iam::210987654321:role/gitferry-deployer']);
  });

  test("the drift role's access entry only views, in the worker's namespaces", () => {
    const entries = template.findResources('AWS::EKS::AccessEntry');
    const driftArn = { 'Fn::GetAtt': [logicalId(stack, deployer.drift.role), 'Arn'] };
    const drift = Object.values(entries).filter(
      (e) => JSON.stringify(e.Properties.PrincipalArn) === JSON.stringify(driftArn),
    );
    expect(drift).toHaveLength(1);
    const policies = drift[0]!.Properties.AccessPolicies as { PolicyArn: unknown; AccessScope: unknown }[];
    expect(JSON.stringify(policies.map((p) => p.PolicyArn))).toContain('AmazonEKSAdminViewPolicy');
    expect(JSON.stringify(policies)).not.toMatch(/AmazonEKS(Cluster)?AdminPolicy/);
    expect(policies.map((p) => p.AccessScope)).toEqual([{ Type: 'namespace', Namespaces: ['shop'] }]);
  });

  test('the webhook role queries, gets, batch-gets and puts table items, reads its secret, sends wake-ups, and nothing more', () => {
    const webhook = actions(deployer.webhook.role);
    expect(webhook.get('dynamodb:PutItem')).toEqual([tableArn]);
    // The apps of a pushed repository: their links by Query, the apps by BatchGetItem (a marker by GetItem).
    expect(webhook.get('dynamodb:GetItem')).toEqual([tableArn]);
    expect(webhook.get('dynamodb:BatchGetItem')).toEqual([tableArn]);
    expect(webhook.get('dynamodb:Query')).toContainEqual(tableArn);
    expect([...webhook.keys()].filter((a) => a.startsWith('dynamodb:')).sort()).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
    ]);
    expect(webhook.get('sqs:SendMessage')).toEqual([queueArn]);
    expect(webhook.get('secretsmanager:GetSecretValue')).toEqual([
      { Ref: logicalId(stack, deployer.githubWebhookSecret) },
    ]);
    for (const a of ['eks:DescribeCluster', 'sts:AssumeRole', 'sqs:ReceiveMessage', 'dynamodb:Scan'])
      expect(webhook.has(a)).toBe(false);
  });

  test('the worker consumes the queue, reads secrets under the prefix only, and reaches only the granted clusters', () => {
    const worker = actions(deployer.worker.role);
    expect(worker.get('sqs:ReceiveMessage')).toEqual([queueArn]);
    expect(worker.get('sqs:DeleteMessage')).toEqual([queueArn]);
    expect(worker.get('sqs:SendMessage')).toEqual([queueArn]);
    expect(JSON.stringify(worker.get('secretsmanager:GetSecretValue'))).toContain(':secret:gitferry/*');
    expect(worker.get('eks:DescribeCluster')).toEqual([
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':eks:eu-west-1:123456789012:cluster/prod']] },
    ]);
    expect(worker.get('sts:AssumeRole')).toEqual(['arn:aws:iam::210987654321:role/gitferry-deployer']);
    expect(worker.has('dynamodb:Scan')).toBe(false);
  });

  test('the API writes the table and sends wake-ups but never consumes them, reads secrets or reaches clusters', () => {
    const api = actions(deployer.api.role);
    for (const a of ['eks:DescribeCluster', 'sts:AssumeRole']) expect(api.has(a)).toBe(false);
    expect(api.get('dynamodb:PutItem')).toContainEqual(tableArn);
    expect(api.get('sqs:SendMessage')).toEqual([queueArn]);
    expect(api.has('sqs:ReceiveMessage')).toBe(false);
    expect(api.has('secretsmanager:GetSecretValue')).toBe(false);
  });

  test('table grants name the table and its list index, never index/*', () => {
    for (const f of [deployer.webhook, deployer.worker, deployer.drift, deployer.api])
      for (const a of ['dynamodb:GetItem', 'dynamodb:Query'])
        expect(JSON.stringify(actions(f.role).get(a) ?? [])).not.toContain('index/*');
  });

  test('without assumable roles nobody may call sts:AssumeRole', () => {
    const s = synthGitferry();
    for (const f of [s.deployer.worker, s.deployer.api])
      expect(allowedActions(s.template, s.stack, f.role).has('sts:AssumeRole')).toBe(false);
  });
});
