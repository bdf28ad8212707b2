import { renderDirectory } from '../../../../shared/source/directory.js';
import { rejectionOf, tempTree, type TempTree } from '../temp-tree.js';

describe('renderDirectory reads .json files as JSON', () => {
  let tree: TempTree;
  beforeEach(() => {
    tree = tempTree();
  });
  afterEach(() => tree.remove());

  test('a .json file may hold one object', async () => {
    tree.file('ns.json', '{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "web"}}');

    const result = await renderDirectory(tree.root);

    expect(result.objects).toEqual([
      { object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web' } }, source: 'ns.json:1' },
    ]);
  });

  test('YAML that is not JSON in a .json file is an error, as in Argo CD', async () => {
    tree.file('cm.json', 'apiVersion: v1\nkind: ConfigMap\n');

    const err = await rejectionOf(renderDirectory(tree.root));

    expect(err.code).toBe('source:invalid-json');
    expect(err.message).toBe('cm.json:1:1: unexpected character');
  });
});
