import { TestRepo } from '../../support/git.js';
import { sourceKit, type SourceKit } from '../../support/source.js';
import type { DirectoryOptions } from '../../../shared/domain/app-source.js';

// A directory app of `.jsonnet` files pushed to the test bed's git server and rendered with the
// real go-jsonnet `jsonnet` command, with Argo CD's directory.jsonnet options.
describe('a Jsonnet app', () => {
  let kit: SourceKit;
  let repo: TestRepo;
  let sha: string;
  beforeAll(async () => {
    kit = sourceKit();
    repo = await TestRepo.create('jsonnet');
    sha = await repo.commitFixture('jsonnet-app');
  });
  afterAll(() => {
    kit.dispose();
    repo.dispose();
  });

  let n = 0;
  const render = async (directory: DirectoryOptions, files?: Record<string, string>) => {
    const revision = files ? await repo.commit(files) : sha;
    return kit.renderer.render({
      appName: `jsonnet-${n++}`,
      namespace: 'web',
      sources: [{ repoURL: repo.url, path: 'app', directory }],
      revisions: [revision],
    });
  };
  const options: DirectoryOptions = {
    jsonnet: {
      extVars: [
        { name: 'env', value: 'prod' },
        { name: 'owner', value: '$ARGOCD_APP_NAME in $ARGOCD_APP_NAMESPACE' },
        { name: 'app', value: '{ name: "shop", tier: 2 }', code: true },
      ],
      tlas: [
        { name: 'replicas', value: '3', code: true },
        { name: 'image', value: 'registry.example.com/web:2.0' },
      ],
      libs: ['vendor'],
    },
  };

  test('with extVars, tlas and libs: every .jsonnet file evaluated, an array as a list of objects', async () => {
    const result = await render(options);
    const summary = result.objects.map(({ object, source }) => ({
      ref: `${object.kind}/${object.metadata.name}`,
      source,
    }));
    console.log(`jsonnet app rendered: ${summary.map((s) => s.ref).join(', ')}`);
    expect(summary.map((s) => s.ref)).toEqual([
      'ConfigMap/extra',
      'Deployment/web',
      'ConfigMap/web-settings',
    ]);
    const [extra, web, settings] = result.objects.map((o) => o.object);
    expect(extra).toMatchObject({ data: { app: '{"name":"shop","tier":2}' } });
    expect(web).toMatchObject({
      spec: { replicas: 3, template: { spec: { containers: [{ image: 'registry.example.com/web:2.0' }] } } },
    });
    expect((settings as unknown as { data: object }).data).toEqual({
      env: 'prod',
      owner: `jsonnet-${n - 1} in web`,
      greeting: 'hello from a component',
      banner: 'welcome',
    });
    expect(summary[0]!.source).toMatch(/^app\/extra\.jsonnet:\d+$/);
  });

  test('without the lib path the import fails, and jsonnet says why', async () => {
    await expect(render({ jsonnet: { ...options.jsonnet, libs: [] } })).rejects.toMatchObject({
      code: 'source:render-failed',
      message: expect.stringMatching(
        /^jsonnet app\/main\.jsonnet failed: .*couldn't open import "k8s\/k\.libsonnet"/s,
      ),
    });
  });

  test.each<[string, Record<string, string>, RegExp]>([
    [
      'an absolute import',
      { 'app/steal.jsonnet': "{ kind: 'ConfigMap', data: { x: importstr '/etc/passwd' } }" },
      /^app\/steal\.jsonnet:1: importstr "\/etc\/passwd" is not allowed \(absolute and "\.\." import paths/,
    ],
    [
      'a climbing import',
      { 'app/steal.jsonnet': "local x = import '../../../../proc/self/environ';\nx" },
      /^app\/steal\.jsonnet:1: import "\.\.\/\.\.\/\.\.\/\.\.\/proc\/self\/environ" is not allowed/,
    ],
    [
      'a climbing import hidden in an escaped string',
      { 'app/steal.jsonnet': 'import "\\u002e\\u002e/\\u002e\\u002e/etc/passwd"' },
      /^app\/steal\.jsonnet:1: import "\.\.\/\.\.\/etc\/passwd" is not allowed/,
    ],
    [
      'a climbing import inside an imported library',
      {
        'app/steal.jsonnet': "import 'components/inner.libsonnet'",
        'app/components/inner.libsonnet': "importbin '../../../../../etc/shadow'",
      },
      /^app\/components\/inner\.libsonnet:1: importbin "\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/etc\/shadow" is not allowed/,
    ],
    [
      'an import of a text block',
      { 'app/steal.jsonnet': 'import |||\n  /etc/passwd\n|||' },
      /^app\/steal\.jsonnet:1: import must be followed by a quoted path/,
    ],
  ])('%s is refused before jsonnet runs', async (_what, files, why) => {
    const err = await render(options, { ...files }).catch((e: Error) => e);
    expect(err).toMatchObject({ code: expect.stringMatching(/source:(path-escape|invalid-jsonnet)/) });
    expect((err as Error).message).toMatch(why);
    expect((err as Error).message).not.toMatch(/root:|PATH=/);
    await repo.git('rm', '-q', ...Object.keys(files));
    await repo.commit({});
  });

  test.each<[string, DirectoryOptions, RegExp]>([
    [
      'a lib outside the repository',
      { jsonnet: { libs: ['../../..'] } },
      /directory\.jsonnet\.libs\[0\] "\.\.\/\.\.\/\.\." must be a path inside the repository/,
    ],
    [
      'an absolute lib',
      { jsonnet: { libs: ['/etc'] } },
      /directory\.jsonnet\.libs\[0\] "\/etc" must be a path inside the repository/,
    ],
    [
      'an option-shaped variable name',
      { jsonnet: { extVars: [{ name: '--jpath=/', value: 'x' }] } },
      /directory\.jsonnet\.extVars\[0\]\.name "--jpath=\/" is not valid/,
    ],
    [
      'a variable name carrying "="',
      { jsonnet: { tlas: [{ name: 'a=/etc/passwd', value: 'x' }] } },
      /directory\.jsonnet\.tlas\[0\]\.name "a=\/etc\/passwd" is not valid/,
    ],
    [
      'a code variable importing a file outside',
      { jsonnet: { extVars: [{ name: 'app', value: "importstr '/etc/passwd'", code: true }] } },
      /directory\.jsonnet\.extVars\[0\]:1: importstr "\/etc\/passwd" is not allowed/,
    ],
  ])('%s is refused naming the field', async (_what, directory, why) => {
    await expect(render(directory)).rejects.toThrow(why);
  });

  test('option-shaped values are data: they reach the file as strings, never the command line', async () => {
    const result = await render({
      jsonnet: {
        ...options.jsonnet,
        extVars: [
          { name: 'env', value: '--jpath=/ -J / --ext-str-file x=/etc/passwd' },
          { name: 'owner', value: '$(id); `id`\n--help' },
          { name: 'app', value: '"--tla-code-file"', code: true },
        ],
      },
    });
    const data = (
      result.objects.find((o) => o.object.metadata.name === 'web-settings')!.object as unknown as {
        data: Record<string, string>;
      }
    ).data;
    expect(data.env).toBe('--jpath=/ -J / --ext-str-file x=/etc/passwd');
    expect(data.owner).toBe('$(id); `id`\n--help');
  });

  test("deep recursion is stopped by the stack bound with jsonnet's own error", async () => {
    const err = await render(options, {
      'app/deep.jsonnet':
        'local f(n) = if n == 0 then 0 else 1 + f(n - 1); { kind: "ConfigMap", n: f(100000) }',
    }).catch((e: Error) => e);
    await repo.git('rm', '-q', 'app/deep.jsonnet');
    await repo.commit({});
    expect(err).toMatchObject({
      code: 'source:render-failed',
      message: expect.stringMatching(/^jsonnet app\/deep\.jsonnet failed: .*max stack frames exceeded/s),
    });
  });
});
