import { scanTree } from '../../../../shared/source/safe-path.js';
import { defaultSourceLimits } from '../../../../shared/source/types.js';
import { tempTree, type TempTree } from '../temp-tree.js';

describe('scanTree allows symlinks that stay inside the tree', () => {
  let tree: TempTree;
  beforeEach(() => {
    tree = tempTree().file('base/config.yaml', 'kind: ConfigMap\n');
  });
  afterEach(() => tree.remove());

  test('a link to a file inside is listed as a file', async () => {
    tree.link('apps/web/config.yaml', '../../base/config.yaml');

    const scan = await scanTree(tree.root, defaultSourceLimits);

    expect(scan.paths).toEqual(['apps/web/config.yaml', 'base/config.yaml']);
  });

  test('a link to a directory inside is checked but not entered, so a link to a parent cannot recurse forever', async () => {
    tree.link('base/again', '..').link('apps/base', '../base');

    const scan = await scanTree(tree.root, defaultSourceLimits);

    expect(scan.paths).toEqual(['base/config.yaml']);
  });
});
