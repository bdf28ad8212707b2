import { applicationOf, jsonPatch, mergePatch, type StoredApp } from '../../../cli/application-edit.js';

const stored: StoredApp = {
  name: 'web',
  project: 'default',
  sources: [{ repoURL: 'https://git.example.com/apps.git', path: 'web', targetRevision: 'main' }],
  destination: { name: 'prod', namespace: 'web' },
  syncPolicy: { automated: { prune: true } },
  ignoreDifferences: [],
  revisionHistoryLimit: 10,
  annotations: {},
};

describe('editing an app as an Application manifest', () => {
  test('a stored app turns back into its Application: one source as source, several as sources', () => {
    expect(applicationOf(stored)).toEqual({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'web' },
      spec: {
        project: 'default',
        source: stored.sources[0],
        destination: { name: 'prod', namespace: 'web' },
        syncPolicy: { automated: { prune: true } },
        revisionHistoryLimit: 10,
      },
    });
    const two = applicationOf({ ...stored, sources: [stored.sources[0]!, { repoURL: 'x', ref: 'values' }] });
    expect(two.spec.sources).toHaveLength(2);
    expect(two.spec.source).toBeUndefined();
  });

  test('a merge patch merges objects, deletes with null and replaces the rest', () => {
    expect(mergePatch({ a: { b: 1, c: 2 }, d: [1] }, { a: { b: null, e: 3 }, d: [2] })).toEqual({
      a: { c: 2, e: 3 },
      d: [2],
    });
  });

  test('a JSON patch adds, replaces, removes, moves, copies and tests, leaving the input alone', () => {
    const doc = { spec: { list: [1, 2], a: 'x' } };
    const out = jsonPatch(doc, [
      { op: 'add', path: '/spec/list/-', value: 3 },
      { op: 'replace', path: '/spec/list/0', value: 0 },
      { op: 'remove', path: '/spec/list/1' },
      { op: 'copy', from: '/spec/a', path: '/spec/b' },
      { op: 'move', from: '/spec/a', path: '/spec/c' },
      { op: 'test', path: '/spec/b', value: 'x' },
      { op: 'add', path: '/spec/d~1e', value: true },
    ]);
    expect(out).toEqual({ spec: { list: [0, 3], b: 'x', c: 'x', 'd/e': true } });
    expect(doc).toEqual({ spec: { list: [1, 2], a: 'x' } });
  });

  test.each([
    [[{ op: 'replace', path: '/spec/nope', value: 1 }], 'does not exist'],
    [[{ op: 'test', path: '/spec/a', value: 'y' }], 'test of /spec/a failed'],
    [[{ op: 'frob', path: '/spec/a' }], 'unknown operation frob'],
    [[{ op: 'add', path: 'spec', value: 1 }], 'must start with /'],
    [{ op: 'add' }, 'an array of operations'],
    [[{ op: 'add', path: '/__proto__/polluted', value: 1 }], '__proto__ is not allowed'],
    [[{ op: 'add', path: '/spec/list/9', value: 1 }], 'bad index'],
  ])('a bad JSON patch %j is refused: %s', (ops, message) => {
    expect(() => jsonPatch({ spec: { a: 'x', list: [] } }, ops)).toThrow(message);
  });

  test('a merge patch cannot reach the prototype', () => {
    expect(() => mergePatch({}, JSON.parse('{"__proto__": {"polluted": 1}}'))).toThrow(
      '__proto__ is not allowed',
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
