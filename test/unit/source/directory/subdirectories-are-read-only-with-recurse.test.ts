import { renderDirectory } from '../../../../shared/source/directory.js';
import { tempTree, type TempTree } from '../temp-tree.js';

const names = (r: { objects: { object: { metadata: { name: string } } }[] }) =>
  r.objects.map((d) => d.object.metadata.name);

describe('renderDirectory recursion', () => {
  let tree: TempTree;
  beforeEach(() => {
    tree = tempTree('directory-app');
  });
  afterEach(() => tree.remove());

  test('without recurse, subdirectories are not read', async () => {
    expect(names(await renderDirectory(tree.root))).toEqual([
      'web',
      'web',
      'web',
      'web',
      'worker',
      'settings',
    ]);
  });

  test('recurse: false is the same as leaving it out', async () => {
    expect(await renderDirectory(tree.root, { recurse: false })).toEqual(await renderDirectory(tree.root));
  });

  test('with recurse, subdirectories are read depth-first in sorted order', async () => {
    const result = await renderDirectory(tree.root, { recurse: true });

    expect(result.objects.map((d) => d.source)).toEqual([
      'a-deployment.yaml:2',
      'a-deployment.yaml:24',
      'b-config.yml:2',
      'c-list.json:1',
      'c-list.json:1',
      'config.yaml:1',
      'env/dev.yaml:1',
      'env/prod.yaml:1',
      'sub/d-job.yaml:1',
      'sub/deeper/e-secret.yaml:1',
    ]);
  });
});
