import fc from 'fast-check';
import { SourceError } from '../../shared/source/errors.js';
import { parseYamlValue } from '../../shared/source/yaml.js';
import { fuzzRuns } from '../support/fuzz.js';

const maxNodes = 500;

function nodesOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + value.reduce((n: number, v) => n + nodesOf(v), 0);
  if (value !== null && typeof value === 'object')
    return 1 + Object.values(value).reduce((n: number, v) => n + nodesOf(v), 0);
  return 1;
}

function parsesWithinBound(text: string): void {
  let value: unknown;
  try {
    value = parseYamlValue(text, 'body', maxNodes);
  } catch (err) {
    expect(err).toBeInstanceOf(SourceError);
    expect(['source:invalid-yaml', 'source:document-too-large']).toContain((err as SourceError).code);
    expect((err as Error).message.startsWith('body')).toBe(true);
    return;
  }
  expect(nodesOf(value)).toBeLessThanOrEqual(maxNodes);
}

const anchor = fc.constantFrom('a', 'b');
const { node } = fc.letrec<{ node: string }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('1', 'x', '"q"', 'null', 'yes'),
    anchor.map((a) => `*${a}`),
    fc.tuple(anchor, tie('node')).map(([a, n]) => `&${a} ${n}`),
    fc.array(tie('node'), { maxLength: 9 }).map((items) => `[${items.join(', ')}]`),
    fc
      .array(fc.tuple(fc.constantFrom('k', 'spec', '<<', '__proto__'), tie('node')), { maxLength: 4 })
      .map((pairs) => `{${pairs.map(([k, v]) => `${k}: ${v}`).join(', ')}}`),
  ),
}));

describe('parseYamlValue (API bodies) under fuzzing', () => {
  test('arbitrary text parses within the bound or fails with a SourceError naming the body', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), parsesWithinBound), {
      numRuns: fuzzRuns(),
    });
  });

  test('anchors, aliases and merge keys never expand past the bound', () => {
    fc.assert(fc.property(node, parsesWithinBound), { numRuns: fuzzRuns() });
  });
});
