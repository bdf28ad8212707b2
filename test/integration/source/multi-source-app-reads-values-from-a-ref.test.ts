import { TestRepo } from '../../support/git.js';
import { sourceKit, type SourceKit } from '../../support/source.js';

describe('a multi-source app', () => {
  let charts: TestRepo;
  let values: TestRepo;
  let kit: SourceKit;
  beforeAll(async () => {
    [charts, values] = await Promise.all([TestRepo.create('ms-charts'), TestRepo.create('ms-values')]);
    kit = sourceKit();
  });
  afterAll(() => {
    charts.dispose();
    values.dispose();
    kit.dispose();
  });

  test('renders a chart from one repo with a value file from another, named by its ref', async () => {
    const [chartSha, valuesSha] = [
      await charts.commitFixture('helm-app'),
      await values.commitFixture('values-repo'),
    ];
    const result = await kit.renderer.render({
      appName: 'shop',
      namespace: 'payments',
      sources: [
        { repoURL: charts.url, path: 'charts/web', helm: { valueFiles: ['$values/values/prod.yaml'] } },
        { repoURL: values.url, ref: 'values' },
      ],
      revisions: [chartSha, valuesSha],
    });
    const byKind = Object.fromEntries(result.objects.map((o) => [o.object.kind, o.object]));
    expect((byKind.Deployment as unknown as { spec: { replicas: number } }).spec.replicas).toBe(5);
    expect(byKind.ConfigMap?.data).toMatchObject({ greeting: 'hello from the values repo' });

    await expect(
      kit.renderer.render({
        appName: 'shop',
        namespace: 'payments',
        sources: [
          { repoURL: charts.url, path: 'charts/web', helm: { valueFiles: ['$other/values/prod.yaml'] } },
        ],
        revisions: [chartSha],
      }),
    ).rejects.toThrow('helm value file "$other/values/prod.yaml": no source with ref "other" in this app');
  });
});
