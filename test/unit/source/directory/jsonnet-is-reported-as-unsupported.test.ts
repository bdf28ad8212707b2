import { renderDirectory } from '../../../../shared/source/directory.js';
import { configMap, tempTree, type TempTree } from '../temp-tree.js';

describe('renderDirectory and jsonnet, where no jsonnet tool is configured', () => {
  let tree: TempTree;
  beforeEach(() => {
    tree = tempTree().file('a.yaml', configMap('a'));
  });
  afterEach(() => tree.remove());

  test('directory.jsonnet with settings is source:unsupported, naming the field and why', async () => {
    await expect(
      renderDirectory(tree.root, { jsonnet: { extVars: [{ name: 'env', value: 'prod' }] } }),
    ).rejects.toMatchObject({
      code: 'source:unsupported',
      message: 'directory.jsonnet: this installation has no jsonnet tool to evaluate it',
    });
  });

  test.each([{}, { extVars: [], tlas: [], libs: [] }, null as never])(
    'an empty jsonnet block (%j), as argocd app create writes, is no request',
    async (jsonnet) => {
      await expect(renderDirectory(tree.root, { jsonnet })).resolves.toMatchObject({
        objects: [expect.anything()],
      });
    },
  );

  test('a selected .jsonnet file is refused rather than skipped (skipping would deploy less than Argo CD)', async () => {
    tree.file('app.jsonnet', '{ kind: "ConfigMap" }');

    await expect(renderDirectory(tree.root)).rejects.toMatchObject({
      code: 'source:unsupported',
      message: 'app.jsonnet: this installation has no jsonnet tool to evaluate it (Argo CD would)',
    });
  });

  test('a .jsonnet file left out by exclude is no problem', async () => {
    tree.file('app.jsonnet', '{ kind: "ConfigMap" }');

    await expect(renderDirectory(tree.root, { exclude: '*.jsonnet' })).resolves.toMatchObject({
      objects: [expect.anything()],
    });
  });

  test('fields Gitferry does not know are reported as warnings, never silently ignored', async () => {
    const result = await renderDirectory(tree.root, { recurse: false, plugin: {} } as never);

    expect(result.warnings).toEqual(['directory.plugin is not supported and was ignored']);
  });
});
