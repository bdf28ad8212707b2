import { deployerPropsFromContext } from '../../infra/app-props.js';

const from = (ctx: Record<string, string>) => deployerPropsFromContext((k) => ctx[k]);

describe('context values', () => {
  test('choose the cluster access scope', () => {
    expect(from({ clusterNamespaces: 'shop, web' }).clusterAccess).toMatchObject({
      namespaces: ['shop', 'web'],
    });
    expect(from({ clusterGroups: '["deployers"]' }).clusterAccess).toMatchObject({
      kubernetesGroups: ['deployers'],
    });
    expect(from({ clusterScope: 'cluster' }).clusterAccess).toMatchObject({ clusterScope: true });
    expect(from({}).clusterAccess).toBeUndefined();
    expect(() => from({ clusterScope: 'namespace' })).toThrow(/only "cluster" is a scope/);
  });

  test('set the webhook, API, alarm, worker and layer settings', () => {
    const p = from({
      webhookReservedConcurrency: '5',
      webhookRateLimit: '300',
      apiAllowedPrincipals: 'arn:aws:iam::123456789012:role/a,arn:aws:iam::123456789012:role/b',
      alarmEmail: 'ops@example.com',
      tracing: 'true',
      plainYamlOnly: 'true',
      workerBatchSize: '2',
      workerParallelism: '1',
    });
    expect(p).toMatchObject({
      webhookReservedConcurrency: 5,
      webhookFirewall: { rateLimitPer5Minutes: 300 },
      apiAllowedPrincipals: ['arn:aws:iam::123456789012:role/a', 'arn:aws:iam::123456789012:role/b'],
      alarmEmail: 'ops@example.com',
      tracing: true,
      plainYamlOnly: true,
      workerBatchSize: 2,
      workerParallelism: 1,
    });
    expect(from({}).webhookFirewall).toBeUndefined();
    expect(from({ plainYamlOnly: 'yes please' }).plainYamlOnly).toBe(false);
  });
});
