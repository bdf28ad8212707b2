import { logicalId, synthGitferry, allowedActions } from './synth-gitferry.js';

describe('EKS access', () => {
  test('each cluster gets an access entry for the worker and the API roles with the admin policy', () => {
    const { template, stack, deployer } = synthGitferry({
      clusters: ['prod', 'arn:aws:eks:eu-west-1:123456789012:cluster/staging'],
    });
    const entries = Object.values(template.findResources('AWS::EKS::AccessEntry')).map((e) => e.Properties);
    expect(entries).toHaveLength(4);
    const roleArn = (r: typeof deployer.worker.role) => ({ 'Fn::GetAtt': [logicalId(stack, r), 'Arn'] });
    for (const cluster of ['prod', 'staging'])
      for (const role of [deployer.worker.role, deployer.api.role])
        expect(entries).toContainEqual({
          ClusterName: cluster,
          PrincipalArn: roleArn(role),
          Type: 'STANDARD',
          AccessPolicies: [
            {
              PolicyArn: {
                'Fn::Join': [
                  '',
                  [
                    'arn:',
                    { Ref: 'AWS::Partition' },
                    ':eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy',
                  ],
                ],
              },
              AccessScope: { Type: 'cluster' },
            },
          ],
        });
    expect(allowedActions(template, stack, deployer.api.role).get('eks:DescribeCluster')).toHaveLength(2);
  });

  test('the access policy is configurable', () => {
    const policy = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy';
    const { template } = synthGitferry({ clusters: ['prod'], clusterAccessPolicyArn: policy });
    template.hasResourceProperties('AWS::EKS::AccessEntry', {
      AccessPolicies: [{ PolicyArn: policy, AccessScope: { Type: 'cluster' } }],
    });
  });

  test('without clusters there are no access entries and no eks:DescribeCluster', () => {
    const { template, stack, deployer } = synthGitferry();
    template.resourceCountIs('AWS::EKS::AccessEntry', 0);
    expect(allowedActions(template, stack, deployer.worker.role).has('eks:DescribeCluster')).toBe(false);
  });
});
