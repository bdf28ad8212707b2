import { defaultSourceLimits } from '../../../../shared/source/types.js';
import { parseManifests, type DocumentCount } from '../../../../shared/source/yaml.js';
import { errorOf } from '../temp-tree.js';

describe('parseManifests bounds the number of documents', () => {
  test('100k documents stop at maxDocuments with source:too-many-documents', () => {
    const text = 'kind: A\n---\n'.repeat(100_000);

    const err = errorOf(() => parseManifests(text, 'flood.yaml'));

    expect(err.code).toBe('source:too-many-documents');
    expect(err.message).toBe(
      `flood.yaml:${2 * defaultSourceLimits.maxDocuments + 1}: the render produces more than ${defaultSourceLimits.maxDocuments} objects`,
    );
  });

  test('the count carries across files of one render', () => {
    const limits = { ...defaultSourceLimits, maxDocuments: 3 };
    const count: DocumentCount = { documents: 0 };

    parseManifests('kind: A\n---\nkind: B\n', 'one.yaml', limits, count);

    expect(count.documents).toBe(2);
    expect(errorOf(() => parseManifests('kind: C\n---\nkind: D\n', 'two.yaml', limits, count)).message).toBe(
      'two.yaml:3: the render produces more than 3 objects',
    );
  });

  test('List items count as objects', () => {
    const limits = { ...defaultSourceLimits, maxDocuments: 2 };

    expect(errorOf(() => parseManifests('kind: List\nitems: [{}, {}, {}]\n', 'l.yaml', limits)).code).toBe(
      'source:too-many-documents',
    );
  });

  test('empty documents do not count', () => {
    const limits = { ...defaultSourceLimits, maxDocuments: 1 };

    expect(parseManifests('---\n---\n---\nkind: A\n---\n', 'f.yaml', limits)).toHaveLength(1);
  });

  test('text longer than maxBytes is refused before parsing', () => {
    const err = errorOf(() =>
      parseManifests('x'.repeat(2000), 'big.yaml', { ...defaultSourceLimits, maxBytes: 1000 }),
    );

    expect(err.code).toBe('source:too-large');
    expect(err.message).toBe('big.yaml is larger than 1000 bytes');
  });
});
