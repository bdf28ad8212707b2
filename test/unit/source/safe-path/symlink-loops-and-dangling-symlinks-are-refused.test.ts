import { resolveInside } from '../../../../shared/source/safe-path.js';
import { rejectionOf, tempTree, type TempTree } from '../temp-tree.js';

describe('resolveInside refuses symlinks it cannot follow to an end', () => {
  let tree: TempTree;
  beforeEach(() => {
    tree = tempTree();
  });
  afterEach(() => tree.remove());

  test('a symlink loop is refused, naming the link', async () => {
    tree.link('apps/a', 'b').link('apps/b', 'a');

    const err = await rejectionOf(resolveInside(tree.root, 'apps/a/values.yaml', 'value file'));

    expect(err.code).toBe('source:path-escape');
    expect(err.message).toBe('value file "apps/a/values.yaml" goes through a symlink loop at "apps/a"');
  });

  test('a symlink to itself is a loop', async () => {
    tree.link('self.yaml', 'self.yaml');

    await expect(resolveInside(tree.root, 'self.yaml', 'value file')).rejects.toThrow('symlink loop');
  });

  test('a dangling symlink is refused without naming its target', async () => {
    tree.link('values.yaml', '/nonexistent/target-name');

    const err = await rejectionOf(resolveInside(tree.root, 'values.yaml', 'value file'));

    expect(err.code).toBe('source:path-escape');
    expect(err.message).toBe('value file "values.yaml" goes through a dangling symlink at "values.yaml"');
    expect(err.message).not.toContain('target-name');
  });
});
