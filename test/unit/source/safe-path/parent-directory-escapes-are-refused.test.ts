import { SourceError } from '../../../../shared/source/errors.js';
import { resolveInside } from '../../../../shared/source/safe-path.js';
import { rejectionOf, tempTree, type TempTree } from '../temp-tree.js';

describe('resolveInside refuses `..` that leaves the checkout', () => {
  let tree: TempTree;
  beforeEach(() => {
    tree = tempTree().dir('apps/web');
  });
  afterEach(() => tree.remove());

  test.each([
    '..',
    '../',
    '../outside/secret.txt',
    'apps/../../outside/secret.txt',
    'apps/web/../../../x',
    './../x',
  ])('%s is a path-escape naming what and the path', async (relativePath) => {
    const err = await rejectionOf(resolveInside(tree.root, relativePath, 'value file'));

    expect(err).toBeInstanceOf(SourceError);
    expect(err.code).toBe('source:path-escape');
    expect(err.message).toBe(`value file ${JSON.stringify(relativePath)} leaves the repository checkout`);
  });

  test('the message never shows where the path would have led', async () => {
    const err = await rejectionOf(resolveInside(tree.root, '../outside/secret.txt', 'value file'));

    expect(err.message).not.toContain(tree.outside);
    expect(err.message).not.toContain(tree.root);
  });
});
