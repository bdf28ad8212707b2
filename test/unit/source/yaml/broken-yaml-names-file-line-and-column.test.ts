import { SourceError } from '../../../../shared/source/errors.js';
import { parseManifests } from '../../../../shared/source/yaml.js';
import { errorOf } from '../temp-tree.js';

describe('parseManifests reports broken YAML as file:line:column', () => {
  test('a bad indentation in the second document is placed in the file, 1-based', () => {
    const text = 'kind: A\n---\nkind: B\nmetadata:\n  name: b\n namespace: x\n';

    const err = errorOf(() => parseManifests(text, 'apps/web/b.yaml'));

    expect(err).toBeInstanceOf(SourceError);
    expect(err.code).toBe('source:invalid-yaml');
    expect(err.message).toBe('apps/web/b.yaml:6:2: bad indentation of a mapping entry');
  });

  test('a duplicated key is an error, as kubectl makes it', () => {
    const err = errorOf(() => parseManifests('kind: A\nmetadata:\n  name: a\n  name: b\n', 'dup.yaml'));

    expect(err.message).toBe('dup.yaml:4:3: duplicated mapping key');
  });

  test('an unclosed flow collection is placed where yaml 2.x finds it, not at the end of the stream', () => {
    const text = 'kind: A\n---\nkind: B\n[broken\n\n\n\n';

    const err = errorOf(() => parseManifests(text, 'flow.yaml'));

    expect(err.message).toBe('flow.yaml:4:1: Implicit keys need to be on a single line');
  });

  test('an error js-yaml places well keeps js-yaml’s position and reason', () => {
    const err = errorOf(() => parseManifests('kind: A\nspec: [1, 2\nnext: 3\n', 'seq.yaml'));

    expect(err.message).toBe('seq.yaml:3:1: missed comma between flow collection entries');
  });

  test('the message never quotes the source: a broken Secret does not leak its data', () => {
    const text = 'kind: Secret\nstringData:\n  password: hunter2-very-secret\n bad: indent\n';

    const err = errorOf(() => parseManifests(text, 'secret.yaml'));

    expect(err.message).toMatch(/^secret\.yaml:4:\d+: /);
    expect(err.message).not.toContain('hunter2');
    expect(String((err.cause as Error | undefined)?.message)).not.toContain('hunter2');
  });

  test('a tab used for indentation is reported', () => {
    const err = errorOf(() => parseManifests('kind: A\nspec:\n\treplicas: 1\n', 'tabs.yaml'));

    expect(err.message).toBe('tabs.yaml:3:1: tab characters must not be used in indentation');
  });

  test('nesting deeper than 1,000 levels is source:document-too-large, not a crash', () => {
    const text = `kind: A\nspec: ${'['.repeat(200_000)}${']'.repeat(200_000)}\n`;

    const err = errorOf(() => parseManifests(text, 'deep.yaml'));

    expect(err).toBeInstanceOf(SourceError);
    expect(err.code).toBe('source:document-too-large');
    expect(err.message).toMatch(
      /^deep\.yaml:2:\d+: document 1 is too large: nesting exceeded maxDepth \(1000\)$/,
    );
  });

  test('nesting as deep as large generated CRD schemas (300 levels) parses', () => {
    const text = `kind: A\nspec: ${'{a: '.repeat(300)}1${'}'.repeat(300)}\n`;

    expect(parseManifests(text, 'crd.yaml')).toHaveLength(1);
  });
});
