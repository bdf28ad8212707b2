import { parseManifests } from '../../../../shared/source/yaml.js';
import { errorOf } from '../temp-tree.js';

describe('parseManifests refuses documents that are not objects', () => {
  test.each([
    ['- a\n- b\n', 'a list'],
    ['just text\n', 'a string'],
    ['42\n', 'a number'],
    ['true\n', 'a boolean'],
  ])('%j is refused as %s, naming the file, line and document index', (doc, what) => {
    const text = `kind: A\n---\nkind: B\n---\n${doc}`;

    const err = errorOf(() => parseManifests(text, 'apps/web/mixed.yaml'));

    expect(err.code).toBe('source:invalid-manifest');
    expect(err.message).toBe(`apps/web/mixed.yaml:5: document 3 is ${what}, not a Kubernetes object`);
  });
});
