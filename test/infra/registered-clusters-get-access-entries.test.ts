import { logicalId, synthGitferry, allowedActions } from './synth-gitferry.js';

const policy = (name: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:eks::aws:cluster-access-policy/${name}`]],
});

describe('EKS access', () => {
  test('namespace scope: each cluster gets a worker entry with AmazonEKSAdminPolicy and a drift entry that only views, on the listed namespaces', () => {
    const { template, stack, deployer } = synthGitferry({
      clusters: ['prod', 'arn:aws:eks:eu-west-1:123456789012:cluster/staging'],
      clusterAccess: { namespaces: ['shop', 'web'] },
    });
    const entries = Object.values(template.findResources('AWS::EKS::AccessEntry')).map((e) => e.Properties);
    expect(entries).toHaveLength(4);
    for (const cluster of ['prod', 'staging'])
      for (const [role, name] of [
        [deployer.worker.role, 'AmazonEKSAdminPolicy'],
        [deployer.drift.role, 'AmazonEKSAdminViewPolicy'],
      ] as const)
        expect(entries).toContainEqual({
          ClusterName: cluster,
          PrincipalArn: { 'Fn::GetAtt': [logicalId(stack, role), 'Arn'] },
          Type: 'STANDARD',
          AccessPolicies: [
            {
              PolicyArn: policy(name),
              AccessScope: { Type: 'namespace', Namespaces: ['shop', 'web'] },
            },
          ],
        });
    expect(allowedActions(template, stack, deployer.worker.role).get('eks:DescribeCluster')).toHaveLength(2);
  });

  test('the API role reaches no cluster: no access entry, no eks:DescribeCluster, no sts:AssumeRole', () => {
    const { template, stack, deployer } = synthGitferry({
      clusters: ['prod'],
      clusterAccess: { clusterScope: true },
      assumableRoleArns: ['arn:aws:iam::210987654321:role/gitferry-deployer'],
    });
    const apiRole = { 'Fn::GetAtt': [logicalId(stack, deployer.api.role), 'Arn'] };
    for (const e of Object.values(template.findResources('AWS::EKS::AccessEntry')))
      expect(e.Properties.PrincipalArn).not.toEqual(apiRole);
    const api = allowedActions(template, stack, deployer.api.role);
    expect([...api.keys()].filter((a) => a.startsWith('eks:') || a.startsWith('sts:'))).toEqual([]);
  });

  test('kubernetesGroups scope: no access policy, the groups are mapped and the cluster RBAC decides', () => {
    const { template } = synthGitferry({
      clusters: ['prod'],
      clusterAccess: { kubernetesGroups: ['gitferry-deployers'] },
    });
    const entries = Object.values(template.findResources('AWS::EKS::AccessEntry')).map((e) => e.Properties);
    expect(entries).toHaveLength(2); // the worker's and the drift check's
    for (const entry of entries) {
      expect(entry.KubernetesGroups).toEqual(['gitferry-deployers']);
      expect(entry.AccessPolicies).toBeUndefined();
    }
  });

  test('cluster scope is an opt-in, AmazonEKSClusterAdminPolicy unless another policy is named', () => {
    synthGitferry({
      clusters: ['prod'],
      clusterAccess: { clusterScope: true },
    }).template.hasResourceProperties('AWS::EKS::AccessEntry', {
      AccessPolicies: [
        { PolicyArn: policy('AmazonEKSClusterAdminPolicy'), AccessScope: { Type: 'cluster' } },
      ],
    });
    const edit = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy';
    synthGitferry({
      clusters: ['prod'],
      clusterAccess: { namespaces: ['shop'], accessPolicyArn: edit },
    }).template.hasResourceProperties('AWS::EKS::AccessEntry', {
      AccessPolicies: [{ PolicyArn: edit, AccessScope: { Type: 'namespace', Namespaces: ['shop'] } }],
    });
  });

  test('clusters without a chosen scope, or with two, or with bad names fail synth naming the choices', () => {
    expect(() => synthGitferry({ clusters: ['prod'] })).toThrow(
      /choose exactly one scope.*clusterNamespaces.*clusterGroups.*clusterScope/,
    );
    expect(() =>
      synthGitferry({ clusters: ['prod'], clusterAccess: { namespaces: ['a'], clusterScope: true } }),
    ).toThrow(/exactly one scope/);
    expect(() =>
      synthGitferry({ clusters: ['prod'], clusterAccess: { namespaces: ['Shop;rm -rf'] } }),
    ).toThrow(/namespace names, not "Shop;rm -rf"/);
    expect(() => synthGitferry({ clusters: ['prod'], clusterAccess: { namespaces: [] } })).toThrow(
      /non-empty/,
    );
    expect(() =>
      synthGitferry({ clusters: ['prod'], clusterAccess: { kubernetesGroups: ['system:masters'] } }),
    ).toThrow(/not starting with system:/);
  });

  test('without clusters there are no access entries and no eks:DescribeCluster', () => {
    const { template, stack, deployer } = synthGitferry();
    template.resourceCountIs('AWS::EKS::AccessEntry', 0);
    expect(allowedActions(template, stack, deployer.worker.role).has('eks:DescribeCluster')).toBe(false);
  });
});
