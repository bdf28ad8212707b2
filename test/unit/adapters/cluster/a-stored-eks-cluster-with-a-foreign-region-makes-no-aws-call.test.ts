import { EksClusterConnector } from '../../../../shared/adapters/aws/eks-cluster-connector.js';

describe('a stored EKS cluster is judged before any AWS call', () => {
  test.each([
    ['region', { region: 'attacker.test#' }],
    ['region', { region: 'eu-west-1.attacker.test' }],
    ['eksClusterName', { eksClusterName: '../x' }],
    ['roleArn', { roleArn: 'arn:aws:iam::123456789012:user/someone' }],
  ])('a record with a bad %s is refused naming it', async (field, bad) => {
    const connector = new EksClusterConnector({
      clientConfig: () => {
        throw new Error('no AWS client may be built for a refused record');
      },
    });

    await expect(
      connector.connect({ name: 'prod', type: 'eks', eksClusterName: 'prod', region: 'eu-west-1', ...bad }),
    ).rejects.toMatchObject({ code: 'cluster:bad-field', field });
  });
});
