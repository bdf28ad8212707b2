import { existsSync } from 'node:fs';
import { resolveInside } from '../../../../shared/source/safe-path.js';
import { environmentValues, outsideSecret, rejectionOf, tempTree, type TempTree } from '../temp-tree.js';

describe('resolveInside refuses symlinks that lead outside the checkout', () => {
  let tree: TempTree;
  beforeEach(() => {
    tree = tempTree();
  });
  afterEach(() => tree.remove());

  const onLinux = existsSync('/proc/self/environ') ? test : test.skip;
  onLinux('a value file linked to /proc/self/environ is refused and no environment value leaks', async () => {
    tree.link('apps/web/values.yaml', '/proc/self/environ');

    const err = await rejectionOf(resolveInside(tree.root, 'apps/web/values.yaml', 'value file'));

    expect(err.code).toBe('source:path-escape');
    expect(err.message).toBe(
      'value file "apps/web/values.yaml" goes through a symlink at "apps/web/values.yaml" that leads outside the repository checkout',
    );
    expect(err.message).not.toContain('/proc');
    expect(process.env.PATH).toBeDefined();
    expect(err.message).not.toContain(process.env.PATH);
    for (const value of environmentValues()) expect(err.message).not.toContain(value);
    expect(err.cause).toBeUndefined();
  });

  test('a symlinked directory to a sibling of the checkout is refused at that component', async () => {
    tree.link('apps/shared', tree.outside);

    const err = await rejectionOf(
      resolveInside(tree.root, 'apps/shared/manifests/stolen.yaml', 'kustomize path'),
    );

    expect(err.code).toBe('source:path-escape');
    expect(err.message).toBe(
      'kustomize path "apps/shared/manifests/stolen.yaml" goes through a symlink at "apps/shared" that leads outside the repository checkout',
    );
    expect(err.message).not.toContain(tree.outside);
    expect(err.message).not.toContain(outsideSecret);
  });

  test('a relative symlink climbing out with ../ is refused', async () => {
    tree.link('values.yaml', '../outside/secret.txt');

    await expect(resolveInside(tree.root, 'values.yaml', 'value file')).rejects.toMatchObject({
      code: 'source:path-escape',
    });
  });

  test('a chain of symlinks that ends outside is refused', async () => {
    tree.link('a.yaml', 'b.yaml').link('b.yaml', tree.outside + '/secret.txt');

    await expect(resolveInside(tree.root, 'a.yaml', 'value file')).rejects.toMatchObject({
      code: 'source:path-escape',
    });
  });

  test('a symlink to the checkout root itself from above is refused', async () => {
    tree.link('up', '..');

    await expect(resolveInside(tree.root, 'up/outside/secret.txt', 'value file')).rejects.toMatchObject({
      code: 'source:path-escape',
    });
  });
});
