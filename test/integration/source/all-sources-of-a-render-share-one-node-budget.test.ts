import { defaultSourceLimits } from '../../../shared/source/types.js';
import { TestRepo } from '../../support/git.js';
import { sourceKit, type SourceKit } from '../../support/source.js';

/** `count` ConfigMaps of 5 nodes each (the map, apiVersion, kind, metadata, name), one document each. */
function configMaps(prefix: string, count: number): string {
  return Array.from(
    { length: count },
    (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${prefix}-${i}\n`,
  ).join('---\n');
}

// A chart whose one template renders 40 ConfigMaps: 200 nodes, each document far under every limit.
const chart = {
  'chart/Chart.yaml': 'apiVersion: v2\nname: many\nversion: 0.1.0\n',
  'chart/templates/many.yaml': [
    '{{- range until 40 }}',
    '---',
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: chart-{{ . }}',
    '{{- end }}',
    '',
  ].join('\n'),
};

describe('one node budget for all documents of all sources of a render', () => {
  let repo: TestRepo;
  let sha: string;
  let kit: SourceKit;
  beforeAll(async () => {
    repo = await TestRepo.create('node-budget');
    sha = await repo.commit({ 'plain/cms.yaml': configMaps('plain', 30), ...chart });
    // 150 nodes in the directory, 200 from the chart: each alone fits 300, both do not.
    kit = sourceKit({ limits: { ...defaultSourceLimits, maxNodesPerRender: 300 } });
  });
  afterAll(() => {
    repo.dispose();
    kit.dispose();
  });

  const render = (sources: { repoURL: string; path: string }[]) =>
    kit.renderer.render({
      appName: 'budget',
      namespace: 'budget',
      sources,
      revisions: sources.map(() => sha),
    });

  test('each source alone renders within the budget', async () => {
    expect((await render([{ repoURL: repo.url, path: 'plain' }])).objects).toHaveLength(30);
    expect((await render([{ repoURL: repo.url, path: 'chart' }])).objects).toHaveLength(40);
  });

  test('together they are refused at the document that passes it, naming the source', async () => {
    const err = await render([
      { repoURL: repo.url, path: 'plain' },
      { repoURL: repo.url, path: 'chart' },
    ]).catch((e: Error & { code?: string }) => e);

    expect(err).toMatchObject({
      code: 'source:render-too-large',
      message: expect.stringMatching(
        /^helm template of chart:\d+: document 31 brings the render past 300 nodes in all \(300 before it;/,
      ),
    });
  });
});
