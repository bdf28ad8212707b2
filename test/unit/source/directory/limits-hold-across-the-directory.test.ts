import { renderDirectory } from '../../../../shared/source/directory.js';
import { defaultSourceLimits } from '../../../../shared/source/types.js';
import { configMap, tempTree, type TempTree } from '../temp-tree.js';

describe('renderDirectory limits', () => {
  let tree: TempTree;
  beforeEach(() => {
    tree = tempTree();
    for (let i = 0; i < 30; i++)
      tree.file(`m${String(i).padStart(2, '0')}.yaml`, `${configMap(`a${i}`)}---\n${configMap(`b${i}`)}`);
  });
  afterEach(() => tree.remove());

  test('objects across all files count against maxDocuments', async () => {
    await expect(
      renderDirectory(tree.root, {}, { ...defaultSourceLimits, maxDocuments: 50 }),
    ).rejects.toMatchObject({
      code: 'source:too-many-documents',
      message: 'm25.yaml:1: the render produces more than 50 objects',
    });
  });

  test('bytes of the selected files count against maxBytes before any is read', async () => {
    await expect(
      renderDirectory(tree.root, {}, { ...defaultSourceLimits, maxBytes: 1000 }),
    ).rejects.toMatchObject({
      code: 'source:too-large',
      message: 'app path holds more than 1000 bytes',
    });
  });

  test('entries in the app path count against maxFiles', async () => {
    await expect(
      renderDirectory(tree.root, {}, { ...defaultSourceLimits, maxFiles: 10 }),
    ).rejects.toMatchObject({
      code: 'source:too-many-files',
    });
  });

  test('a broken file names itself and its line, and stops the render', async () => {
    tree.file('m07.yaml', 'kind: A\n  bad: indent\n');

    await expect(renderDirectory(tree.root)).rejects.toMatchObject({
      code: 'source:invalid-yaml',
      message: expect.stringMatching(/^m07\.yaml:2:\d+: /),
    });
  });
});
