import { parseManifests } from '../../../../shared/source/yaml.js';

describe('parseManifests', () => {
  test('each object comes with the 1-based line its content starts on', () => {
    const text = [
      '# web tier', // 1
      '---', // 2
      'apiVersion: v1', // 3
      'kind: ConfigMap',
      'metadata: {name: a}',
      '---', // 6
      '', // 7
      '# the second one', // 8
      'apiVersion: v1', // 9
      'kind: ConfigMap',
      'metadata: {name: b}',
      '--- {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}', // 12
      '',
    ].join('\n');

    const parsed = parseManifests(text, 'apps/web/config.yaml');

    expect(parsed.map((p) => [p.object.metadata.name, p.line])).toEqual([
      ['a', 3],
      ['b', 9],
      ['c', 12],
    ]);
  });

  test('a file without document markers is one document starting on its first content line', () => {
    const parsed = parseManifests(
      '\n\n# comment\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n',
      'ns.yaml',
    );

    expect(parsed).toEqual([
      { object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } }, line: 4 },
    ]);
  });

  test('`...` ends a document, and directives stay with the document they precede', () => {
    const text = 'kind: A\n...\n%YAML 1.1\n---\nkind: B\n...\nkind: C\n';

    const parsed = parseManifests(text, 'f.yaml');

    expect(parsed.map((p) => [p.object.kind, p.line])).toEqual([
      ['A', 1],
      ['B', 5],
      ['C', 7],
    ]);
  });

  test('`---` inside a block scalar that is indented is content, not a marker', () => {
    const text = 'kind: A\ndata:\n  script: |\n    echo a\n    ---\n    echo b\n---\nkind: B\n';

    const parsed = parseManifests(text, 'f.yaml');

    expect(parsed.map((p) => p.object.kind)).toEqual(['A', 'B']);
    expect((parsed[0]!.object.data as { script: string }).script).toBe('echo a\n---\necho b\n');
  });

  test('Windows line endings and a byte order mark are read', () => {
    const parsed = parseManifests('\uFEFFkind: A\r\n---\r\nkind: B\r\n', 'f.yaml');

    expect(parsed.map((p) => [p.object.kind, p.line])).toEqual([
      ['A', 1],
      ['B', 3],
    ]);
  });
});
