import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveInside } from '../../../../shared/source/safe-path.js';
import { tempTree, type TempTree } from '../temp-tree.js';

describe('resolveInside follows symlinks that stay inside the checkout', () => {
  let tree: TempTree;
  beforeEach(() => {
    tree = tempTree().file('base/values.yaml', 'replicas: 3\n');
  });
  afterEach(() => tree.remove());

  test('a file linked to another file of the checkout resolves to that file', async () => {
    tree.link('apps/web/values.yaml', '../../base/values.yaml');

    const path = await resolveInside(tree.root, 'apps/web/values.yaml', 'value file');

    expect(path).toBe(join(tree.root, 'base/values.yaml'));
    expect(readFileSync(path, 'utf8')).toBe('replicas: 3\n');
  });

  test('a directory linked by absolute path inside the checkout resolves through it', async () => {
    tree.link('apps/web/common', tree.at('base'));

    await expect(resolveInside(tree.root, 'apps/web/common/values.yaml', 'value file')).resolves.toBe(
      join(tree.root, 'base/values.yaml'),
    );
  });

  test('the result is spelled under the root as given, even when the root is reached through a symlink', async () => {
    const viaLink = join(tree.outside, 'checkout-link');
    tree.link('../outside/checkout-link', tree.root);

    await expect(resolveInside(viaLink, 'base/values.yaml', 'value file')).resolves.toBe(
      join(viaLink, 'base/values.yaml'),
    );
  });
});
