import { parseJsonManifests } from '../../../../shared/source/yaml.js';
import { errorOf } from '../temp-tree.js';

describe('parseJsonManifests', () => {
  test('one object, on the line where it starts', () => {
    expect(
      parseJsonManifests(
        '\n\n{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}\n',
        'ns.json',
      ),
    ).toEqual([{ object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } }, line: 3 }]);
  });

  test('a List is flattened', () => {
    const text = JSON.stringify({ kind: 'List', items: [{ kind: 'A' }, { kind: 'B' }] }, null, 2);

    expect(parseJsonManifests(text, 'l.json').map((p) => p.object.kind)).toEqual(['A', 'B']);
  });

  test('an empty file and null give nothing', () => {
    expect(parseJsonManifests('  \n', 'e.json')).toEqual([]);
    expect(parseJsonManifests('null', 'n.json')).toEqual([]);
  });

  test('a top-level array is refused, as Argo CD refuses it', () => {
    expect(errorOf(() => parseJsonManifests('[{"kind": "A"}]', 'a.json')).message).toBe(
      'a.json:1: document 1 is a list, not a Kubernetes object',
    );
  });

  test.each([
    ['{\n  "kind": "A",\n  "spec": }\n', 'bad.json:3:11: unexpected character'],
    ['{\n  "kind": "A"\n  "spec": {}\n}\n', "bad.json:3:3: expected ',' or '}'"],
    ['{"kind": "A"', 'bad.json:1:13: unexpected end of input'],
    ['{"kind": "A"} {"kind": "B"}', 'bad.json:1:15: unexpected text after the JSON value'],
    ['{kind: "A"}', 'bad.json:1:2: expected a property name in double quotes'],
    ['{"a": "x\\q"}', 'bad.json:1:9: bad escape in a string'],
  ])('broken JSON %j is reported as %s', (text, message) => {
    const err = errorOf(() => parseJsonManifests(text, 'bad.json'));

    expect(err.code).toBe('source:invalid-json');
    expect(err.message).toBe(message);
  });

  test('the message never quotes the file: a broken Secret does not leak its data', () => {
    const err = errorOf(() =>
      parseJsonManifests('{"kind": "Secret", "data": {"password": "hunter2-secret" oops}}', 's.json'),
    );

    expect(err.message).not.toContain('hunter2');
    expect(String((err.cause as Error | undefined)?.message)).not.toContain('hunter2');
  });
});
