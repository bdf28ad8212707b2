import { existsSync } from 'node:fs';
import { scanTree } from '../../../../shared/source/safe-path.js';
import { defaultSourceLimits } from '../../../../shared/source/types.js';
import { environmentValues, outsideSecret, rejectionOf, tempTree, type TempTree } from '../temp-tree.js';

describe('scanTree refuses symlinks that leave the tree, dangle or loop', () => {
  let tree: TempTree;
  beforeEach(() => {
    tree = tempTree().file('apps/web/deployment.yaml', 'kind: Deployment\n');
  });
  afterEach(() => tree.remove());

  const onLinux = existsSync('/proc/self/environ') ? test : test.skip;
  onLinux('a link to /proc/self/environ is refused by its path, and no environment value leaks', async () => {
    tree.link('apps/web/env.yaml', '/proc/self/environ');

    const err = await rejectionOf(scanTree(tree.root, defaultSourceLimits));

    expect(err.code).toBe('source:path-escape');
    expect(err.message).toBe(
      'repository checkout: symlink "apps/web/env.yaml" leads outside the repository checkout',
    );
    expect(err.message).not.toContain('/proc');
    expect(err.message).not.toContain(process.env.PATH!);
    for (const value of environmentValues()) expect(err.message).not.toContain(value);
  });

  test('a link to a sibling directory of the checkout is refused without naming it', async () => {
    tree.link('apps/shared', tree.outside);

    const err = await rejectionOf(scanTree(tree.root, defaultSourceLimits));

    expect(err.message).toBe(
      'repository checkout: symlink "apps/shared" leads outside the repository checkout',
    );
    expect(err.message).not.toContain(tree.outside);
    expect(err.message).not.toContain(outsideSecret);
  });

  test('a symlink loop is refused', async () => {
    tree.link('apps/a', 'b').link('apps/b', 'a');

    const err = await rejectionOf(scanTree(tree.root, defaultSourceLimits));

    expect(err.code).toBe('source:path-escape');
    expect(err.message).toMatch(/^repository checkout: symlink "apps\/[ab]" is part of a symlink loop$/);
  });

  test('a dangling symlink is refused without naming its target', async () => {
    tree.link('apps/web/gone.yaml', 'no-such-file-here.yaml');

    const err = await rejectionOf(scanTree(tree.root, defaultSourceLimits));

    expect(err.message).toBe(
      'repository checkout: symlink "apps/web/gone.yaml" dangles (its target does not exist)',
    );
    expect(err.message).not.toContain('no-such-file-here');
  });

  test('links are named relative to the root even when the scan starts lower', async () => {
    tree.link('apps/web/out.yaml', '../../../outside/secret.txt');

    await expect(scanTree(tree.root, defaultSourceLimits, { dir: tree.at('apps/web') })).rejects.toThrow(
      'symlink "apps/web/out.yaml" leads outside',
    );
  });
});
