import { resolveInside } from '../../../../shared/source/safe-path.js';
import { rejectionOf, tempTree, type TempTree } from '../temp-tree.js';

describe('resolveInside refuses absolute paths', () => {
  let tree: TempTree;
  beforeEach(() => {
    tree = tempTree().file('etc/passwd', 'inside the checkout\n');
  });
  afterEach(() => tree.remove());

  test.each(['/etc/passwd', '/', '//etc/passwd'])(
    '%s is refused, not read relative to the checkout',
    async (p) => {
      const err = await rejectionOf(resolveInside(tree.root, p, 'kustomize path'));

      expect(err.code).toBe('source:path-escape');
      expect(err.message).toBe(
        `kustomize path ${JSON.stringify(p)} is an absolute path; only paths inside the repository are allowed`,
      );
    },
  );

  test('an absolute path into the checkout itself is refused too', async () => {
    const err = await rejectionOf(resolveInside(tree.root, tree.at('etc/passwd'), 'value file'));

    expect(err.code).toBe('source:path-escape');
  });
});
