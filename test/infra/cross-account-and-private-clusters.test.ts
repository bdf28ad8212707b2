import { SecurityGroup, Vpc } from 'aws-cdk-lib/aws-ec2';
import { Stack } from 'aws-cdk-lib';
import { logicalId, synthDeployerIn, synthGitferry, testApp } from './synth-gitferry.js';

describe('reaching clusters', () => {
  test('the worker and API role ARNs are outputs (trust policies of cluster roles elsewhere name the worker)', () => {
    const { template, stack, deployer } = synthGitferry();
    template.hasOutput('WorkerRoleArn', {
      Value: { 'Fn::GetAtt': [logicalId(stack, deployer.worker.role), 'Arn'] },
    });
    template.hasOutput('ApiRoleArn', {
      Value: { 'Fn::GetAtt': [logicalId(stack, deployer.api.role), 'Arn'] },
    });
  });

  test('in a VPC, the worker runs there and each cluster security group lets it in on 443; the API stays out', () => {
    const { template, stack, deployer } = synthDeployerIn((scope) => ({
      vpc: Vpc.fromVpcAttributes(scope, 'Vpc', {
        vpcId: 'vpc-0123456789abcdef0',
        availabilityZones: ['eu-west-1a', 'eu-west-1b'],
        privateSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
      }),
      clusterSecurityGroups: [SecurityGroup.fromSecurityGroupId(scope, 'ClusterSg', 'sg-0123456789abcdef1')],
    }));
    const r = template.toJSON().Resources;
    expect(r[logicalId(stack, deployer.worker.fn)].Properties.VpcConfig.SubnetIds).toHaveLength(2);
    expect(r[logicalId(stack, deployer.api.fn)].Properties.VpcConfig).toBeUndefined();
    const workerSg = deployer.worker.fn.connections.securityGroups[0]!;
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: 'sg-0123456789abcdef1',
      IpProtocol: 'tcp',
      FromPort: 443,
      ToPort: 443,
      SourceSecurityGroupId: { 'Fn::GetAtt': [logicalId(stack, workerSg), 'GroupId'] },
    });
  });

  test('cluster security groups without a VPC fail synth', () => {
    const sg = SecurityGroup.fromSecurityGroupId(new Stack(testApp(), 'Other'), 'Sg', 'sg-0123456789abcdef1');
    expect(() => synthGitferry({ clusterSecurityGroups: [sg] })).toThrow(/only in a VPC/);
  });
});
