import { resolveInside } from '../../../../shared/source/safe-path.js';
import { rejectionOf, tempTree, type TempTree } from '../temp-tree.js';

describe('resolveInside refuses NUL bytes', () => {
  let tree: TempTree;
  beforeEach(() => {
    tree = tempTree().file('values.yaml', 'a: 1\n');
  });
  afterEach(() => tree.remove());

  test('a NUL byte (which C APIs would cut the path at) is refused, shown escaped', async () => {
    const err = await rejectionOf(resolveInside(tree.root, 'values.yaml\0../../etc/passwd', 'value file'));

    expect(err.code).toBe('source:path-escape');
    expect(err.message).toBe('value file "values.yaml\\u0000../../etc/passwd" contains a NUL byte');
  });
});
