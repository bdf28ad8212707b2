import { renderDirectory } from '../../../../shared/source/directory.js';
import { configMap, tempTree, type TempTree } from '../temp-tree.js';

describe('renderDirectory skips hidden entries', () => {
  let tree: TempTree;
  beforeEach(() => {
    tree = tempTree('directory-app');
  });
  afterEach(() => tree.remove());

  test('files and directories whose names start with a dot are never read, even when included', async () => {
    tree.file('sub/.cache/cached.yaml', configMap('cached'));

    const result = await renderDirectory(tree.root, { recurse: true, include: '*' });
    const names = result.objects.map((d) => d.object.metadata.name);

    expect(names).not.toContain('hidden-file');
    expect(names).not.toContain('hidden-dir');
    expect(names).not.toContain('cached');
  });

  test('a hidden symlink leading out is never followed, so it cannot fail or leak the render', async () => {
    tree.link('.outside.yaml', tree.outside + '/manifests/stolen.yaml');

    const result = await renderDirectory(tree.root);

    expect(result.objects.map((d) => d.object.metadata.name)).not.toContain('stolen');
  });
});
