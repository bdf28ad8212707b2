import { renderDirectory } from '../../../../shared/source/directory.js';
import { tempTree, type TempTree } from '../temp-tree.js';

const files = (r: { objects: { source?: string }[] }) => [
  ...new Set(r.objects.map((d) => d.source!.replace(/:\d+$/, ''))),
];

describe('renderDirectory include and exclude', () => {
  let tree: TempTree;
  beforeEach(() => {
    tree = tempTree('directory-app');
  });
  afterEach(() => tree.remove());

  test('include with a brace list selects exactly those paths (Argo CD docs: {config.yaml,env/*.yaml})', async () => {
    const result = await renderDirectory(tree.root, { recurse: true, include: '{config.yaml,env/*.yaml}' });

    expect(files(result)).toEqual(['config.yaml', 'env/dev.yaml', 'env/prod.yaml']);
  });

  test('exclude leaves matching paths out', async () => {
    const result = await renderDirectory(tree.root, { recurse: true, exclude: '{config.yaml,env/*.yaml}' });

    expect(files(result)).toEqual([
      'a-deployment.yaml',
      'b-config.yml',
      'c-list.json',
      'sub/d-job.yaml',
      'sub/deeper/e-secret.yaml',
    ]);
  });

  test('exclude wins over include', async () => {
    const result = await renderDirectory(tree.root, { recurse: true, include: 'env/*', exclude: '*prod*' });

    expect(files(result)).toEqual(['env/dev.yaml']);
  });

  test('* matches across directories, as gobwas/glob without separators does for Argo CD', async () => {
    const result = await renderDirectory(tree.root, { recurse: true, include: '*.yaml' });

    expect(files(result)).toEqual([
      'a-deployment.yaml',
      'config.yaml',
      'env/dev.yaml',
      'env/prod.yaml',
      'sub/d-job.yaml',
      'sub/deeper/e-secret.yaml',
    ]);
  });

  test('patterns match the path relative to the app path, not the checkout', async () => {
    const result = await renderDirectory(
      tree.at('sub'),
      { recurse: true, include: 'deeper/*' },
      undefined,
      tree.root,
    );

    expect(files(result)).toEqual(['sub/deeper/e-secret.yaml']);
  });

  test('? and [..] work; a leading ! is a literal character, not a negation', async () => {
    expect(files(await renderDirectory(tree.root, { include: '[ab]-*.y*ml' }))).toEqual([
      'a-deployment.yaml',
      'b-config.yml',
    ]);
    expect(files(await renderDirectory(tree.root, { include: 'c?nfig.yaml' }))).toEqual(['config.yaml']);
    expect(files(await renderDirectory(tree.root, { include: '!config.yaml' }))).toEqual([]);
  });

  test('include cannot pull in files that are not manifests', async () => {
    expect(files(await renderDirectory(tree.root, { include: '*' }))).toEqual([
      'a-deployment.yaml',
      'b-config.yml',
      'c-list.json',
      'config.yaml',
    ]);
  });

  test('an invalid glob is a source:invalid-option error naming the field', async () => {
    await expect(renderDirectory(tree.root, { include: 'env/[abc' })).rejects.toMatchObject({
      code: 'source:invalid-option',
      message: expect.stringMatching(/^directory\.include "env\/\[abc" is not a valid glob: /),
    });
  });

  test('a selection that leaves nothing warns', async () => {
    const result = await renderDirectory(tree.root, { include: 'nothing-*.yaml' });

    expect(result.objects).toEqual([]);
    expect(result.warnings).toEqual([
      'the app path: no objects found (no non-empty .yaml, .yml, .json or .jsonnet files selected)',
    ]);
  });
});
