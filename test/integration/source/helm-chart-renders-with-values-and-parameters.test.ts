import { formatRef, refOf, type KubeObject } from '../../../shared/domain/kube-object.js';
import { TestRepo } from '../../support/git.js';
import { sourceKit, type SourceKit } from '../../support/source.js';

type Deployment = KubeObject & {
  spec: {
    replicas: number;
    template: { spec: { containers: { image: string; ports: { containerPort: unknown }[] }[] } };
  };
};

describe('a Helm chart in a repository', () => {
  let repo: TestRepo;
  let kit: SourceKit;
  let sha: string;
  beforeAll(async () => {
    repo = await TestRepo.create('helm-app');
    kit = sourceKit();
    sha = await repo.commitFixture('helm-app');
    await repo.commitFixture('helm-deps-app');
  });
  afterAll(() => {
    repo.dispose();
    kit.dispose();
  });

  const find = (objects: { object: KubeObject }[], kind: string) =>
    objects.find((o) => o.object.kind === kind)!.object;

  test('renders with value files, inline values, parameters and the cluster version, naming each template', async () => {
    const result = await kit.renderer.render({
      appName: 'shop',
      namespace: 'payments',
      kubeVersion: 'v1.36.3',
      apiVersions: ['monitoring.example.com/v1'],
      sources: [
        {
          repoURL: repo.url,
          path: 'charts/web',
          helm: {
            releaseName: 'storefront',
            valueFiles: ['../../env/prod-values.yaml'],
            valuesObject: { extra: 'from valuesObject' },
            parameters: [
              { name: 'tag', value: '2.0' },
              { name: 'port', value: '9090', forceString: true },
              { name: 'greeting', value: 'a, b' },
            ],
          },
        },
      ],
      revisions: [sha],
    });
    expect(result.sourceType).toBe('Helm');
    expect(result.objects.map((o) => `${formatRef(refOf(o.object))} @ ${o.source}`).sort()).toEqual([
      'ConfigMap/storefront-settings @ web/templates/configmap.yaml (helm)',
      'Deployment/payments/storefront @ web/templates/deployment.yaml (helm)',
    ]);
    const deploy = find(result.objects, 'Deployment') as Deployment;
    expect(deploy.spec.replicas).toBe(3);
    expect(deploy.spec.template.spec.containers[0]?.image).toBe('registry.invalid/web:2.0');
    expect(deploy.spec.template.spec.containers[0]?.ports[0]?.containerPort).toBe(9090);
    expect(deploy.metadata.labels).toEqual({ 'kube-minor': '36', monitoring: 'available' });
    // forceString made the port a string for helm (kindOf), commas stayed data.
    expect(find(result.objects, 'ConfigMap').data).toEqual({
      greeting: 'a, b',
      extra: 'from valuesObject',
      portKind: 'string',
    });
  });

  test('renders a chart whose dependency is vendored in its charts/ directory', async () => {
    const deps = await repo.commitFixture('helm-deps-app');
    const result = await kit.renderer.render({
      appName: 'shop',
      namespace: 'payments',
      sources: [{ repoURL: repo.url, path: 'chart' }],
      revisions: [deps],
    });
    expect(result.objects.map((o) => o.object.metadata.name).sort()).toEqual(['cache', 'shop-main']);
  });

  test('treats shell-shaped parameter values as data: nothing is run, the value is rendered as given', async () => {
    const value = '$(id); `whoami` && echo pwned | tee /tmp/x';
    const result = await kit.renderer.render({
      appName: 'shop',
      namespace: 'payments',
      sources: [
        {
          repoURL: repo.url,
          path: 'charts/web',
          helm: { parameters: [{ name: 'greeting', value, forceString: true }] },
        },
      ],
      revisions: [sha],
    });
    expect((find(result.objects, 'ConfigMap').data as Record<string, string>).greeting).toBe(value);
  });

  test('refuses value files outside the repository or remote, and says which', async () => {
    const render = (valueFiles: string[]) =>
      kit.renderer.render({
        appName: 'shop',
        namespace: 'payments',
        sources: [{ repoURL: repo.url, path: 'charts/web', helm: { valueFiles } }],
        revisions: [sha],
      });
    await expect(render(['../../../../../../etc/passwd'])).rejects.toThrow(
      /helm value file \.\.\/\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd/,
    );
    await expect(render(['/etc/passwd'])).rejects.toThrow(
      'helm value file "/etc/passwd": absolute paths are not allowed; use a path inside the repository',
    );
    await expect(render(['https://example.com/values.yaml'])).rejects.toThrow(
      'helm value file "https://example.com/values.yaml": remote and file:// value files are not allowed; keep it in the repository',
    );
    await expect(render(['file:///etc/passwd'])).rejects.toThrow(
      /remote and file:\/\/ value files are not allowed/,
    );
    await expect(render(['missing.yaml'])).rejects.toThrow(
      'helm value file "missing.yaml" does not exist in the repository',
    );
  });
});
