// The EKS connector on moto's STS and EKS: a warm worker connecting again makes no AssumeRole or
// DescribeCluster call until the cached answers expire (counted by the SDK clients it builds).
import { CreateClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { EksClusterConnector } from '../../../shared/adapters/aws/eks-cluster-connector.js';
import { awsClientConfig, uniqueName } from '../../support/testbed.js';

describe('the EKS connector', () => {
  const aws = awsClientConfig();
  const eksName = uniqueName('eks');
  const cluster = {
    name: 'prod',
    type: 'eks' as const,
    region: aws.region,
    eksClusterName: eksName,
    roleArn: 'arn:aws:iam::123456789012:role/gitferry-deployer',
  };

  beforeAll(async () => {
    const eks = new EKSClient(aws);
    await eks.send(
      new CreateClusterCommand({
        name: eksName,
        roleArn: 'arn:aws:iam::123456789012:role/eks',
        resourcesVpcConfig: { subnetIds: ['subnet-0123456789abcdef0'] },
      }),
    );
    eks.destroy();
  });

  /** A connector whose SDK clients are counted (one client per AssumeRole or DescribeCluster call). */
  function counted(opts: { describeTtlMs?: number; credentialsRenewBeforeMs?: number } = {}) {
    let clients = 0;
    const connector = new EksClusterConnector({
      ...opts,
      clientConfig: () => (clients++, { ...aws }),
      // moto's endpoint and CA are not a real API server: only the caching is under test.
      resolveEndpoint: (_c, d) => ({ server: 'https://127.0.0.1:1', caData: d.caData }),
    });
    return { connector, clients: () => clients };
  }

  test('connecting again reuses the assumed role, the described endpoint and the token', async () => {
    const { connector, clients } = counted();
    const first = await connector.connect(cluster);
    const firstToken = await first.authorization!();
    expect(clients()).toBe(2); // STS (AssumeRole) and EKS (DescribeCluster)
    for (let i = 0; i < 5; i++) {
      const again = await connector.connect(cluster);
      expect(await again.authorization!()).toBe(firstToken);
    }
    expect(clients()).toBe(2);
  });

  test('expired answers are fetched again, and a changed registration is a new entry', async () => {
    // Credentials renewed an hour early: always stale; DescribeCluster answers never kept.
    const { connector, clients } = counted({ describeTtlMs: 0, credentialsRenewBeforeMs: 3_600_000 });
    await connector.connect(cluster);
    await connector.connect(cluster);
    expect(clients()).toBe(4);

    const warm = counted();
    await warm.connector.connect(cluster);
    await warm.connector.connect({ ...cluster, roleArn: 'arn:aws:iam::123456789012:role/other' });
    expect(warm.clients()).toBe(4);
  });

  test('a cluster that does not exist is not cached as an answer', async () => {
    const { connector, clients } = counted();
    const missing = { ...cluster, eksClusterName: uniqueName('missing') };
    await expect(connector.connect(missing)).rejects.toThrow();
    await expect(connector.connect(missing)).rejects.toThrow();
    // The role is cached; each DescribeCluster is asked again.
    expect(clients()).toBe(3);
  });
});
