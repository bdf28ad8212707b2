import { parseManifests } from '../../../../shared/source/yaml.js';
import { errorOf } from '../temp-tree.js';

describe('parseManifests flattens List kinds', () => {
  test('a v1 List becomes its items, each with the line of the List', () => {
    const text = 'kind: A\n---\napiVersion: v1\nkind: List\nitems:\n  - {kind: B}\n  - {kind: C}\n';

    const parsed = parseManifests(text, 'f.yaml');

    expect(parsed).toEqual([
      { object: { kind: 'A' }, line: 1 },
      { object: { kind: 'B' }, line: 3 },
      { object: { kind: 'C' }, line: 3 },
    ]);
  });

  test('a typed list (ConfigMapList) is flattened too, and `items: null` is empty', () => {
    const text = 'kind: ConfigMapList\nitems: [{kind: ConfigMap}]\n---\nkind: SecretList\nitems: null\n';

    expect(parseManifests(text, 'f.yaml').map((p) => p.object.kind)).toEqual(['ConfigMap']);
  });

  test('an object with an items field that is not a List kind stays whole', () => {
    const parsed = parseManifests('kind: Menu\nitems: [{kind: Dish}]\n', 'f.yaml');

    expect(parsed).toHaveLength(1);
    expect(parsed[0]!.object.kind).toBe('Menu');
  });

  test('an item that is not an object is refused, naming the item and document', () => {
    const err = errorOf(() =>
      parseManifests('kind: A\n---\nkind: List\nitems: [{kind: B}, 42]\n', 'list.yaml'),
    );

    expect(err.message).toBe(
      'list.yaml:3: item 2 of the List in document 2 is a number, not a Kubernetes object',
    );
    expect(err.code).toBe('source:invalid-manifest');
  });
});
