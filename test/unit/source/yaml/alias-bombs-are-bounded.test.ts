import { defaultSourceLimits } from '../../../../shared/source/types.js';
import { parseManifests } from '../../../../shared/source/yaml.js';
import { errorOf } from '../temp-tree.js';

/** The classic billion laughs: 9 levels of 9 aliases each expand to 9^9 (387 million) strings. */
function billionLaughs(): string {
  const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: lol}', 'data:', '  a0: &a0 "lol"'];
  for (let i = 1; i <= 9; i++)
    lines.push(
      `  a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  return lines.join('\n') + '\n';
}

describe('parseManifests bounds alias expansion', () => {
  test('billion laughs is refused as source:document-too-large, quickly and in bounded memory', () => {
    const err = errorOf(() => parseManifests(billionLaughs(), 'lol.yaml'));

    expect(err.code).toBe('source:document-too-large');
    expect(err.message).toBe(
      `lol.yaml:1: document 1 expands to more than ${defaultSourceLimits.maxNodesPerDocument} nodes (repeated aliases?)`,
    );
  });

  test('shared references count each time they are reached', () => {
    // 3 + 3*3 + the map itself and its two keys' values: small alone, past a limit of 10.
    const text = 'a: &a [1, 2, 3]\nb: [*a, *a, *a]\n';
    const limits = { ...defaultSourceLimits, maxNodesPerDocument: 10 };

    expect(errorOf(() => parseManifests(text, 'f.yaml', limits)).code).toBe('source:document-too-large');
    expect(parseManifests(text, 'f.yaml', { ...limits, maxNodesPerDocument: 20 })).toHaveLength(1);
  });

  test('aliases come out as copies: changing one place does not change another', () => {
    const text =
      'kind: Deployment\nspec:\n  selector:\n    matchLabels: &l {app: web}\n  template:\n    metadata:\n      labels: *l\n';

    const [parsed] = parseManifests(text, 'f.yaml');
    const spec = parsed!.object.spec as {
      selector: { matchLabels: Record<string, string> };
      template: { metadata: { labels: Record<string, string> } };
    };
    spec.template.metadata.labels.extra = 'added';

    expect(spec.selector.matchLabels).toEqual({ app: 'web' });
  });

  test('merge keys work and stay bounded', () => {
    const text = 'kind: A\ndefaults: &d {a: 1, b: 2}\nspec:\n  <<: *d\n  b: 3\n';

    expect(parseManifests(text, 'f.yaml')[0]!.object.spec).toEqual({ a: 1, b: 3 });
  });
});
