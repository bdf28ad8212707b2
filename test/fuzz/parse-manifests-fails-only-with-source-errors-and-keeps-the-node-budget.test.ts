import fc from 'fast-check';
import { dump } from 'js-yaml';
import { SourceError } from '../../shared/source/errors.js';
import { defaultSourceLimits, type SourceLimits } from '../../shared/source/types.js';
import { parseManifests, type DocumentCount } from '../../shared/source/yaml.js';
import { fuzzRuns } from '../support/fuzz.js';

/** Small budgets, so generated alias trees reach them often. */
const limits: SourceLimits = {
  ...defaultSourceLimits,
  maxDocuments: 50,
  maxNodesPerDocument: 2_000,
  maxNodesPerRender: 5_000,
  maxBytes: 64 * 1024,
};

const codes = new Set([
  'source:invalid-yaml',
  'source:invalid-manifest',
  'source:document-too-large',
  'source:render-too-large',
  'source:too-many-documents',
  'source:too-large',
]);

/** Nodes of a parsed value, each shared reference counted every time it is reached. */
function nodesOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + value.reduce((n: number, v) => n + nodesOf(v), 0);
  if (value !== null && typeof value === 'object')
    return 1 + Object.values(value).reduce((n: number, v) => n + nodesOf(v), 0);
  return 1;
}

/** Parses, and checks that it either keeps the budget or fails with the project's own error naming the file. */
function parsesWithinBudget(text: string): void {
  const count: DocumentCount = { documents: 0 };
  let parsed;
  try {
    parsed = parseManifests(text, 'fuzz.yaml', limits, count);
  } catch (err) {
    expect(err).toBeInstanceOf(SourceError);
    expect(codes).toContain((err as SourceError).code);
    expect((err as Error).message.startsWith('fuzz.yaml')).toBe(true);
    return;
  }
  expect(count.nodes ?? 0).toBeLessThanOrEqual(limits.maxNodesPerRender);
  expect(count.documents).toBeLessThanOrEqual(limits.maxDocuments);
  const produced = parsed.reduce((n, p) => n + nodesOf(p.object), 0);
  expect(produced).toBeLessThanOrEqual(count.nodes ?? 0);
}

const anchor = fc.constantFrom('a', 'b', 'c');
const scalar = fc.oneof(
  fc.constantFrom('1', '0644', 'yes', 'null', '~', '"x"', "'y'", '.inf', '2024-01-01', 'web', '-1.5e3'),
  fc.string({ maxLength: 8 }).map((s) => JSON.stringify(s)),
);
const key = fc.constantFrom('kind', 'items', 'spec', 'metadata', 'data', '__proto__', '<<', 'a', 'b');

/** Flow-style YAML with anchors, aliases and merge keys: small text, possibly large trees. */
const { node } = fc.letrec<{ node: string }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    anchor.map((a) => `*${a}`),
    fc.tuple(anchor, tie('node')).map(([a, n]) => `&${a} ${n}`),
    fc.array(tie('node'), { maxLength: 9 }).map((items) => `[${items.join(', ')}]`),
    fc
      .array(fc.tuple(key, tie('node')), { maxLength: 5 })
      .map((pairs) => `{${pairs.map(([k, v]) => `${k}: ${v}`).join(', ')}}`),
  ),
}));

const flowDocument = fc
  .tuple(fc.constantFrom('ConfigMap', 'List', 'ConfigMapList'), node, node)
  .map(([kind, items, spec]) => `{kind: ${kind}, items: ${items}, spec: ${spec}}`);

/** Ordinary block-style documents, as a chart would render them. */
const blockDocument = fc
  .dictionary(key, fc.jsonValue({ maxDepth: 4 }), { maxKeys: 6 })
  .map((object) => dump({ kind: 'ConfigMap', ...object }));

/** Billion laughs of random width and depth, optionally repeated over many documents. */
const laughs = fc
  .tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 20 }))
  .map(([width, depth, documents]) => {
    const lines = ['kind: ConfigMap', 'data:', '  l0: &l0 "lol"'];
    for (let i = 1; i <= depth; i++)
      lines.push(
        `  l${i}: &l${i} [${Array(width)
          .fill(`*l${i - 1}`)
          .join(', ')}]`,
      );
    return Array(documents).fill(lines.join('\n')).join('\n---\n');
  });

describe('parseManifests under fuzzing', () => {
  test('arbitrary text parses or fails with a SourceError naming the file', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), parsesWithinBudget), {
      numRuns: fuzzRuns(),
    });
  });

  test('YAML-looking text made of markers, indentation and anchors does the same', () => {
    const piece = fc.constantFrom(
      '---\n',
      '...\n',
      '%YAML 1.1\n',
      'kind: A\n',
      '  a: &x [1, 2]\n',
      '  b: *x\n',
      '- *x\n',
      '<<: *x\n',
      'items:\n',
      '  - {kind: B}\n',
      '\t',
      '"',
      '{',
      ']',
      '#',
      '\uFEFF',
      '\r\n',
    );
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 40 }).map((p) => p.join('')),
        parsesWithinBudget,
      ),
      { numRuns: fuzzRuns() },
    );
  });

  test('generated documents with anchors and aliases keep the per-document and per-render budgets', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(flowDocument, blockDocument), { minLength: 1, maxLength: 30 }), (docs) =>
        parsesWithinBudget(docs.join('\n---\n')),
      ),
      { numRuns: fuzzRuns() },
    );
  });

  test('alias bombs of any shape are refused or kept within the budget, never expanded past it', () => {
    fc.assert(fc.property(laughs, parsesWithinBudget), { numRuns: fuzzRuns(200) });
  });
});
