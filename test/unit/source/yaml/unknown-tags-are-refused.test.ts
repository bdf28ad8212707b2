import { parseManifests } from '../../../../shared/source/yaml.js';
import { errorOf } from '../temp-tree.js';

describe('parseManifests constructs nothing but plain data', () => {
  test.each([
    ['a JavaScript function tag', 'kind: A\nrun: !!js/function "function () { return 1 }"\n'],
    ['a custom local tag', 'kind: A\nvalue: !Ref other\n'],
    ['a Python object tag', 'kind: A\nvalue: !!python/object/apply:os.system ["id"]\n'],
    ['a timestamp tag', 'kind: A\nvalue: !!timestamp 2024-01-01\n'],
    ['a set', 'kind: A\nvalue: !!set {a, b}\n'],
  ])('%s is a source:invalid-yaml error', (_what, text) => {
    const err = errorOf(() => parseManifests(text, 'tags.yaml'));

    expect(err.code).toBe('source:invalid-yaml');
    expect(err.message).toMatch(/^tags\.yaml:2:\d+: unknown tag/);
  });

  test('a __proto__ key stays an ordinary key and pollutes nothing', () => {
    const [parsed] = parseManifests(
      'kind: A\n__proto__: {polluted: true}\nspec: {__proto__: {x: 1}}\n',
      'f.yaml',
    );

    expect(Object.keys(parsed!.object)).toContain('__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(parsed!.object)).toBe(Object.prototype);
  });
});
