import { scanTree } from '../../../../shared/source/safe-path.js';
import { defaultSourceLimits } from '../../../../shared/source/types.js';
import { tempTree, type TempTree } from '../temp-tree.js';

describe('scanTree file limit', () => {
  let tree: TempTree;
  beforeEach(() => {
    tree = tempTree();
    for (let i = 0; i < 300; i++) tree.file(`many/f${i}.yaml`, '');
  });
  afterEach(() => tree.remove());

  test('more entries than maxFiles is source:too-many-files, naming the tree', async () => {
    await expect(scanTree(tree.root, { ...defaultSourceLimits, maxFiles: 100 })).rejects.toMatchObject({
      code: 'source:too-many-files',
      message: 'repository checkout has more than 100 files and directories',
    });
  });

  test('the label names the tree in the message', async () => {
    await expect(
      scanTree(tree.root, { ...defaultSourceLimits, maxFiles: 100 }, { label: 'chart web-1.2.3' }),
    ).rejects.toThrow('chart web-1.2.3 has more than 100 files and directories');
  });

  test('exactly maxFiles entries pass', async () => {
    const scan = await scanTree(tree.root, { ...defaultSourceLimits, maxFiles: 301 });

    expect(scan.files).toBe(301);
  });

  test('empty directories count too, so a tree of directories cannot evade the limit', async () => {
    const dirs = tempTree();
    for (let i = 0; i < 50; i++) dirs.dir(`d${i}`);
    try {
      await expect(scanTree(dirs.root, { ...defaultSourceLimits, maxFiles: 20 })).rejects.toMatchObject({
        code: 'source:too-many-files',
      });
    } finally {
      dirs.remove();
    }
  });
});
