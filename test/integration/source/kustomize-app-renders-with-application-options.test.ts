import { formatRef, refOf } from '../../../shared/domain/kube-object.js';
import { TestRepo } from '../../support/git.js';
import { sourceKit, type SourceKit } from '../../support/source.js';

describe('a Kustomize overlay', () => {
  let repo: TestRepo;
  let kit: SourceKit;
  let sha: string;
  beforeAll(async () => {
    repo = await TestRepo.create('kustomize-app');
    kit = sourceKit();
    sha = await repo.commitFixture('kustomize-app');
  });
  afterAll(() => {
    repo.dispose();
    kit.dispose();
  });

  test('renders with the real kustomize and the Application kustomize options applied', async () => {
    const result = await kit.renderer.render({
      appName: 'web',
      namespace: 'shop',
      sources: [
        {
          repoURL: repo.url,
          path: 'overlays/prod',
          kustomize: {
            namePrefix: 'prod-',
            nameSuffix: '-v2',
            namespace: 'shop-prod',
            images: ['registry.invalid/web=registry.invalid/web-hardened:2.5'],
            commonLabels: { team: 'payments' },
            commonAnnotations: { owner: 'platform' },
            replicas: [{ name: 'web', count: 4 }],
            components: ['../../components/monitoring'],
          },
        },
      ],
      revisions: [sha],
    });
    expect(result.sourceType).toBe('Kustomize');
    const byRef = Object.fromEntries(result.objects.map((o) => [formatRef(refOf(o.object)), o.object]));
    expect(Object.keys(byRef).sort()).toEqual([
      'ConfigMap/shop-prod/prod-monitoring-v2',
      'Deployment/shop-prod/prod-web-v2',
      'Service/shop-prod/prod-web-v2',
    ]);
    const deploy = byRef['Deployment/shop-prod/prod-web-v2'] as unknown as {
      spec: {
        replicas: number;
        selector: { matchLabels: Record<string, string> };
        template: { spec: { containers: { image: string }[] } };
      };
    };
    expect(deploy.spec.replicas).toBe(4);
    expect(deploy.spec.template.spec.containers[0]?.image).toBe('registry.invalid/web-hardened:2.5');
    expect(deploy.spec.selector.matchLabels).toEqual({ app: 'web', team: 'payments' });
    expect(byRef['Service/shop-prod/prod-web-v2']?.metadata.annotations).toEqual({
      owner: 'platform',
      tier: 'frontend',
    });
  });

  test('refuses a remote base and a base outside the repository, naming the kustomization', async () => {
    const remote = await repo.commit({
      'remote/kustomization.yaml': 'resources:\n  - https://github.com/example/repo//base?ref=main\n',
    });
    await expect(
      kit.renderer.render({
        appName: 'web',
        namespace: 'shop',
        sources: [{ repoURL: repo.url, path: 'remote' }],
        revisions: [remote],
      }),
    ).rejects.toThrow(
      'remote/kustomization.yaml: resources[0] "https://github.com/example/repo//base?ref=main" is remote; kustomize may not fetch anything itself, vendor it into the repository',
    );
    const escape = await repo.commit({ 'escape/kustomization.yaml': 'resources:\n  - ../../../../etc\n' });
    await expect(
      kit.renderer.render({
        appName: 'web',
        namespace: 'shop',
        sources: [{ repoURL: repo.url, path: 'escape' }],
        revisions: [escape],
      }),
    ).rejects.toThrow(/escape\/kustomization\.yaml resources\[0\] "[./]*etc" leaves the repository checkout/);
  });
});
