import { parseManifests } from '../../../../shared/source/yaml.js';

describe('parseManifests skips documents with nothing in them', () => {
  test.each([
    ['an empty file', ''],
    ['only comments', '# nothing here\n# at all\n'],
    ['only markers', '---\n---\n...\n'],
    ['explicit nulls', '--- null\n--- ~\n---\n'],
  ])('%s gives no objects', (_what, text) => {
    expect(parseManifests(text, 'f.yaml')).toEqual([]);
  });

  test('empty documents between objects do not disturb their indexes or lines', () => {
    const parsed = parseManifests('---\n---\nkind: A\n---\n# none\n---\nkind: B\n', 'f.yaml');

    expect(parsed.map((p) => [p.object.kind, p.line])).toEqual([
      ['A', 3],
      ['B', 7],
    ]);
  });
});
