import { Stack } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Template } from 'aws-cdk-lib/assertions';
import { stateTableSchema } from '../../shared/adapters/aws/dynamodb-table.js';
import { GitferryDeployer } from '../../infra/gitferry-deployer.js';
import { synthGitferry, testApp, testEnv } from './synth-gitferry.js';

describe('the state table', () => {
  const { template } = synthGitferry();
  const table = () => Object.values(template.findResources('AWS::DynamoDB::Table'))[0]!;

  test('has the keys, list index and TTL attribute DynamoDbStateStore uses', () => {
    const { partitionKey, sortKey, listIndex, ttlAttribute } = stateTableSchema;
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: partitionKey, KeyType: 'HASH' },
        { AttributeName: sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: listIndex.name,
          KeySchema: [
            { AttributeName: listIndex.partitionKey, KeyType: 'HASH' },
            { AttributeName: listIndex.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      TimeToLiveSpecification: { AttributeName: ttlAttribute, Enabled: true },
    });
  });

  test('is on demand, with point-in-time recovery and deletion protection, and retained', () => {
    const t = table();
    expect(t.Properties.BillingMode).toBe('PAY_PER_REQUEST');
    expect(t.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(t.Properties.DeletionProtectionEnabled).toBe(true);
    expect(t.DeletionPolicy).toBe('Retain');
  });

  test('is encrypted with the AWS managed key by default', () => {
    expect(table().Properties.SSESpecification).toEqual({ SSEEnabled: true });
  });

  test('is encrypted with a customer managed key when one is given, which the functions may use', () => {
    const app = testApp();
    const stack = new Stack(app, 'WithKey', { env: testEnv });
    const key = new Key(stack, 'Key', { enableKeyRotation: true });
    new GitferryDeployer(stack, 'Gitferry', { tableEncryptionKey: key, plainYamlOnly: true });
    const t = Template.fromStack(stack);
    const keyId = stack.resolve(key.keyArn);
    t.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyId },
    });
    const decrypts = Object.values(t.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties.PolicyDocument).includes('kms:Decrypt'),
    );
    // webhook, worker, drift and API all read the table.
    expect(decrypts).toHaveLength(4);
  });
});
