import { scanTree } from '../../../../shared/source/safe-path.js';
import { defaultSourceLimits } from '../../../../shared/source/types.js';
import { tempTree, type TempTree } from '../temp-tree.js';

describe('scanTree byte limit', () => {
  let tree: TempTree;
  beforeEach(() => {
    tree = tempTree().file('a.yaml', 'x'.repeat(600)).file('b/c.yaml', 'y'.repeat(600));
  });
  afterEach(() => tree.remove());

  test('more bytes than maxBytes is source:too-large', async () => {
    await expect(scanTree(tree.root, { ...defaultSourceLimits, maxBytes: 1000 })).rejects.toMatchObject({
      code: 'source:too-large',
      message: 'repository checkout holds more than 1000 bytes',
    });
  });

  test('files left out by select do not count', async () => {
    const scan = await scanTree(
      tree.root,
      { ...defaultSourceLimits, maxBytes: 1000 },
      { select: (p) => p === 'a.yaml' },
    );

    expect(scan.bytes).toBe(600);
  });

  test('a symlink counts the bytes of its target', async () => {
    tree.link('linked.yaml', 'a.yaml');

    const scan = await scanTree(tree.root, defaultSourceLimits);

    expect(scan.bytes).toBe(1800);
    expect(scan.paths).toContain('linked.yaml');
  });
});
