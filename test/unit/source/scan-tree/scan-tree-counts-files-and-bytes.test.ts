import { scanTree } from '../../../../shared/source/safe-path.js';
import { defaultSourceLimits } from '../../../../shared/source/types.js';
import { tempTree, type TempTree } from '../temp-tree.js';

describe('scanTree', () => {
  let tree: TempTree;
  beforeEach(() => {
    tree = tempTree()
      .file('a.yaml', '12345')
      .file('b/c.yaml', '123')
      .file('b/d/e.txt', '1')
      .file('.git/HEAD', 'ref: refs/heads/main\n')
      .file('.github/workflow.yaml', 'on: push\n');
  });
  afterEach(() => tree.remove());

  test('counts every file and directory and the bytes of every file, listing files in walk order', async () => {
    const scan = await scanTree(tree.root, defaultSourceLimits);

    expect(scan.paths).toEqual(['.git/HEAD', '.github/workflow.yaml', 'a.yaml', 'b/c.yaml', 'b/d/e.txt']);
    expect(scan.files).toBe(9); // 5 files, 4 directories
    expect(scan.bytes).toBe(5 + 3 + 1 + 21 + 9);
  });

  test('ignored names are neither walked nor counted', async () => {
    const scan = await scanTree(tree.root, defaultSourceLimits, { ignore: ['.git'] });

    expect(scan.paths).toEqual(['.github/workflow.yaml', 'a.yaml', 'b/c.yaml', 'b/d/e.txt']);
    expect(scan.files).toBe(7);
  });

  test('hidden entries can be skipped', async () => {
    const scan = await scanTree(tree.root, defaultSourceLimits, { skipHidden: true });

    expect(scan.paths).toEqual(['a.yaml', 'b/c.yaml', 'b/d/e.txt']);
  });

  test('without recursion only the start directory is listed', async () => {
    const scan = await scanTree(tree.root, defaultSourceLimits, { recurse: false, skipHidden: true });

    expect(scan.paths).toEqual(['a.yaml']);
    expect(scan.files).toBe(2);
  });

  test('a start directory lists paths relative to it; only selected files count bytes', async () => {
    const scan = await scanTree(tree.root, defaultSourceLimits, {
      dir: tree.at('b'),
      select: (p) => p.endsWith('.yaml'),
    });

    expect(scan.paths).toEqual(['c.yaml']);
    expect(scan.bytes).toBe(3);
    expect(scan.files).toBe(3);
  });

  test('paths sort as a walk of sorted directories does: a directory before a longer sibling name', async () => {
    tree.file('x/z.yaml', '').file('x-y.yaml', '').file('x.yaml', '');

    const scan = await scanTree(tree.root, defaultSourceLimits, { skipHidden: true });

    expect(scan.paths).toEqual(['a.yaml', 'b/c.yaml', 'b/d/e.txt', 'x/z.yaml', 'x-y.yaml', 'x.yaml']);
  });

  test('a start directory outside the root is refused', async () => {
    await expect(scanTree(tree.at('b'), defaultSourceLimits, { dir: tree.root })).rejects.toMatchObject({
      code: 'source:path-escape',
    });
  });
});
