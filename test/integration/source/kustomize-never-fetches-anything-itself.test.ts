import { stringify } from 'yaml';
import type { KustomizeOptions } from '../../../shared/source/types.js';
import { TestRepo } from '../../support/git.js';
import { startRequestCounter, type RequestCounter } from '../../support/request-counter.js';
import { sourceKit, testbedGuard, type SourceKit } from '../../support/source.js';

// Every field of a kustomization that kustomize loads by itself, given a URL of a server that
// counts requests. The test bed's guard allows 127.0.0.1, which is where the server listens: the
// refusal must come from the kustomization check, not from an address rule.
describe('a kustomization naming remote content', () => {
  let kit: SourceKit;
  let counter: RequestCounter;
  let repo: TestRepo;
  beforeAll(async () => {
    kit = sourceKit({ guard: testbedGuard });
    counter = await startRequestCounter();
    repo = await TestRepo.create('kustomize-remote');
  });
  afterAll(async () => {
    kit.dispose();
    repo.dispose();
    await counter.close();
  });

  const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: local\n';
  const render = async (kustomization: Record<string, unknown>, kustomize: KustomizeOptions = {}) => {
    const sha = await repo.commit({
      'app/kustomization.yaml': stringify({ resources: ['cm.yaml'], ...kustomization }),
      'app/cm.yaml': cm,
    });
    return kit.renderer.render({
      appName: 'a',
      namespace: 'n',
      sources: [{ repoURL: repo.url, path: 'app', kustomize }],
      revisions: [sha],
    });
  };

  const u = (path: string) => `${counter.url}/${path}`;
  const cases: [string, () => Record<string, unknown>, RegExp][] = [
    ['resources', () => ({ resources: ['cm.yaml', u('x.yaml')] }), /resources\[1\] ".*" is remote/],
    ['bases', () => ({ bases: [u('base')] }), /bases\[0\]/],
    ['components', () => ({ components: [`git::${u('org/repo')}//c?ref=v1`] }), /components\[0\]/],
    ['gh: shorthand', () => ({ resources: ['gh:org/repo//deploy'] }), /resources\[0\] "gh:org/],
    ['scp-like git', () => ({ resources: ['git@127.0.0.1:org/repo.git'] }), /resources\[0\] "git@/],
    ['ssh URL', () => ({ resources: ['ssh://git@127.0.0.1/org/repo'] }), /resources\[0\] "ssh:/],
    ['file URL', () => ({ resources: ['file:///etc/passwd'] }), /resources\[0\] "file:/],
    [
      'configMapGenerator files',
      () => ({ configMapGenerator: [{ name: 'g', files: [`key=${u('secret')}`] }] }),
      /configMapGenerator\[0\]\.files\[0\]/,
    ],
    [
      'configMapGenerator envs',
      () => ({ configMapGenerator: [{ name: 'g', envs: [u('env')] }] }),
      /configMapGenerator\[0\]\.envs\[0\]/,
    ],
    [
      'secretGenerator env',
      () => ({ secretGenerator: [{ name: 'g', env: u('env') }] }),
      /secretGenerator\[0\]\.env /,
    ],
    ['patches', () => ({ patches: [{ path: u('p.yaml') }] }), /patches\[0\]\.path/],
    ['patchesStrategicMerge', () => ({ patchesStrategicMerge: [u('p.yaml')] }), /patchesStrategicMerge\[0\]/],
    [
      'patchesJson6902',
      () => ({ patchesJson6902: [{ path: u('p.json'), target: { kind: 'ConfigMap', name: 'local' } }] }),
      /patchesJson6902\[0\]\.path/,
    ],
    ['replacements', () => ({ replacements: [{ path: u('r.yaml') }] }), /replacements\[0\]\.path/],
    ['openapi', () => ({ openapi: { path: u('schema.json') } }), /openapi\.path/],
    ['crds', () => ({ crds: [u('crd.json')] }), /crds\[0\]/],
    ['configurations', () => ({ configurations: [u('c.yaml')] }), /configurations\[0\]/],
    ['transformers', () => ({ transformers: [u('t.yaml')] }), /transformers\[0\]/],
    ['generators', () => ({ generators: [u('g.yaml')] }), /generators\[0\]/],
    ['validators', () => ({ validators: [u('v.yaml')] }), /validators\[0\]/],
    ['helmCharts', () => ({ helmCharts: [{ name: 'x', repo: u('charts') }] }), /helmCharts is not supported/],
    [
      'an absolute path',
      () => ({ patches: [{ path: '/etc/passwd' }] }),
      /patches\[0\]\.path "\/etc\/passwd" is an absolute path/,
    ],
  ];

  test.each(cases)('in %s is refused, naming the field, and nothing is fetched', async (_f, k, why) => {
    await expect(render(k())).rejects.toThrow(why);
    expect(counter.requests).toEqual([]);
  });

  test.each<[string, () => KustomizeOptions, RegExp]>([
    ['patches', () => ({ patches: [{ path: u('p.yaml') }] }), /patches\[0\]\.path/],
    ['components', () => ({ components: [u('c')] }), /components\[0\]/],
  ])('given in the Application kustomize %s is refused too', async (_f, opts, why) => {
    await expect(render({}, opts())).rejects.toThrow(why);
    expect(counter.requests).toEqual([]);
  });

  test('a kustomization with only local content still renders', async () => {
    const result = await render({
      configMapGenerator: [{ name: 'g', literals: ['a=https://example.com/not-a-fetch'] }],
    });
    expect(result.objects.map((o) => o.object.metadata.name).sort()).toEqual([
      expect.stringMatching(/^g-/),
      'local',
    ]);
  });
});
