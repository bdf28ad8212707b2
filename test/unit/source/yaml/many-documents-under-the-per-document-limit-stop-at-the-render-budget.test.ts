import { renderDirectory } from '../../../../shared/source/directory.js';
import { defaultSourceLimits } from '../../../../shared/source/types.js';
import { parseManifests, type DocumentCount } from '../../../../shared/source/yaml.js';
import { configMap, errorOf, tempTree, type TempTree } from '../temp-tree.js';

/** A ConfigMap whose data is 9^levels strings by aliases: small text, big tree. */
function laughs(name: string, levels: number): string {
  const lines = [
    'apiVersion: v1',
    'kind: ConfigMap',
    `metadata: {name: ${name}}`,
    'data:',
    '  a0: &a0 "lol"',
  ];
  for (let i = 1; i <= levels; i++)
    lines.push(
      `  a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  return lines.join('\n') + '\n';
}

describe('the node budget holds across all documents of a render', () => {
  test('many small documents, each far under maxNodesPerDocument, stop at maxNodesPerRender', () => {
    // Each ConfigMap is 5 nodes: the map, apiVersion, kind, metadata and its name.
    const limits = { ...defaultSourceLimits, maxNodesPerDocument: 1000, maxNodesPerRender: 100 };
    const text = Array.from({ length: 30 }, (_, i) => configMap(`c${i}`)).join('---\n');

    const err = errorOf(() => parseManifests(text, 'apps/web/many.yaml', limits));

    expect(err.code).toBe('source:render-too-large');
    // Document 21 is the first past 100 nodes; it starts on line 101 (5 lines per document).
    expect(err.message).toBe(
      'apps/web/many.yaml:101: document 21 brings the render past 100 nodes in all (100 before it; too many or too large documents, or repeated aliases)',
    );
  });

  test('alias documents each under the per-document limit are refused at the render budget, quickly', () => {
    // Each document expands to 74,739 nodes (9^5 strings and the lists above them): under the
    // per-document limit alone, past the render's budget at the seventh.
    const limits = { ...defaultSourceLimits, maxNodesPerDocument: 100_000, maxNodesPerRender: 500_000 };
    const text = Array.from({ length: 1000 }, (_, i) => laughs(`lol${i}`, 5)).join('---\n');
    const started = Date.now();

    const err = errorOf(() => parseManifests(text, 'helm template apps/lol', limits));

    expect(err.code).toBe('source:render-too-large');
    expect(err.message).toBe(
      'helm template apps/lol:67: document 7 brings the render past 500000 nodes in all (448434 before it; too many or too large documents, or repeated aliases)',
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test('the budget carries from one file to the next through the shared count', () => {
    const limits = { ...defaultSourceLimits, maxNodesPerRender: 12 };
    const count: DocumentCount = { documents: 0 };

    parseManifests(`${configMap('a')}---\n${configMap('b')}`, 'one.yaml', limits, count);

    expect(count.nodes).toBe(10);
    expect(errorOf(() => parseManifests(configMap('c'), 'two.yaml', limits, count))).toMatchObject({
      code: 'source:render-too-large',
      message: expect.stringMatching(/^two\.yaml:1: document 1 brings the render past 12 nodes/),
    });
  });

  describe('in a directory render', () => {
    let tree: TempTree;
    beforeEach(() => {
      tree = tempTree();
      for (let i = 0; i < 20; i++) tree.file(`m${String(i).padStart(2, '0')}.yaml`, configMap(`c${i}`));
    });
    afterEach(() => tree.remove());

    test('files each within every per-file limit fail the render at the file that passes the budget', async () => {
      const limits = { ...defaultSourceLimits, maxNodesPerRender: 50 };

      await expect(renderDirectory(tree.root, {}, limits)).rejects.toMatchObject({
        code: 'source:render-too-large',
        message: expect.stringMatching(/^m10\.yaml:1: document 1 brings the render past 50 nodes/),
      });
    });

    test('a count passed in from earlier sources of the render is honoured', async () => {
      const limits = { ...defaultSourceLimits, maxNodesPerRender: 200 };
      const count: DocumentCount = { documents: 0, nodes: 190 };

      await expect(renderDirectory(tree.root, {}, limits, undefined, count)).rejects.toMatchObject({
        code: 'source:render-too-large',
        message: expect.stringMatching(/^m02\.yaml:1: /),
      });
    });
  });
});
