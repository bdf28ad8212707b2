import { join } from 'node:path';
import { resolveInside } from '../../../../shared/source/safe-path.js';
import { tempTree, type TempTree } from '../temp-tree.js';

describe('resolveInside', () => {
  let tree: TempTree;
  beforeEach(() => {
    tree = tempTree().file('apps/web/values.yaml', 'replicas: 2\n');
  });
  afterEach(() => tree.remove());

  test.each([
    ['apps/web/values.yaml', 'apps/web/values.yaml'],
    ['./apps/web/values.yaml', 'apps/web/values.yaml'],
    ['apps//web/./values.yaml', 'apps/web/values.yaml'],
    ['apps/web/../web/values.yaml', 'apps/web/values.yaml'],
    ['apps/web', 'apps/web'],
  ])('%s resolves to the file inside the checkout', async (relativePath, expected) => {
    await expect(resolveInside(tree.root, relativePath, 'value file')).resolves.toBe(
      join(tree.root, expected),
    );
  });

  test.each(['', '.', './'])('%j is the checkout itself', async (relativePath) => {
    await expect(resolveInside(tree.root, relativePath, 'app path')).resolves.toBe(tree.root);
  });

  test('a path that does not exist yet still resolves, for the caller to report as missing', async () => {
    await expect(resolveInside(tree.root, 'apps/web/missing/values-prod.yaml', 'value file')).resolves.toBe(
      join(tree.root, 'apps/web/missing/values-prod.yaml'),
    );
  });

  test('a path through a regular file resolves, and reading it fails later as a missing file', async () => {
    await expect(resolveInside(tree.root, 'apps/web/values.yaml/nested', 'value file')).resolves.toBe(
      join(tree.root, 'apps/web/values.yaml/nested'),
    );
  });

  test('a checkout that does not exist is a read error, not an escape', async () => {
    await expect(resolveInside(join(tree.root, 'gone'), 'a.yaml', 'value file')).rejects.toMatchObject({
      code: 'source:read-failed',
    });
  });
});
