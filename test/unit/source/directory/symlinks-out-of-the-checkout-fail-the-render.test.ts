import { existsSync } from 'node:fs';
import { renderDirectory } from '../../../../shared/source/directory.js';
import {
  configMap,
  environmentValues,
  outsideSecret,
  rejectionOf,
  tempTree,
  type TempTree,
} from '../temp-tree.js';

describe('renderDirectory and symlinks', () => {
  let tree: TempTree;
  beforeEach(() => {
    tree = tempTree().file('apps/web/a.yaml', configMap('a')).file('shared/common.yaml', configMap('common'));
  });
  afterEach(() => tree.remove());

  const onLinux = existsSync('/proc/self/environ') ? test : test.skip;
  onLinux(
    'a manifest linked to /proc/self/environ fails the render without a byte of the environment',
    async () => {
      tree.link('apps/web/env.yaml', '/proc/self/environ');

      const err = await rejectionOf(renderDirectory(tree.at('apps/web'), {}, undefined, tree.root));

      expect(err.code).toBe('source:path-escape');
      expect(err.message).toBe(
        'app path "apps/web": symlink "apps/web/env.yaml" leads outside the repository checkout',
      );
      expect(err.message).not.toContain(process.env.PATH!);
      for (const value of environmentValues()) expect(err.message).not.toContain(value);
    },
  );

  test("a link to another tree's manifests outside the checkout fails the render", async () => {
    tree.link('apps/web/stolen.yaml', tree.outside + '/manifests/stolen.yaml');

    const err = await rejectionOf(renderDirectory(tree.at('apps/web'), {}, undefined, tree.root));

    expect(err.code).toBe('source:path-escape');
    expect(err.message).not.toContain(outsideSecret);
    expect(err.message).not.toContain(tree.outside);
  });

  test('a symlink loop fails the render', async () => {
    tree.link('apps/web/x.yaml', 'y.yaml').link('apps/web/y.yaml', 'x.yaml');

    await expect(renderDirectory(tree.at('apps/web'), {}, undefined, tree.root)).rejects.toThrow(
      'symlink loop',
    );
  });

  test('a link to a file elsewhere in the checkout is read, sourced by the link path', async () => {
    tree.link('apps/web/common.yaml', '../../shared/common.yaml');

    const result = await renderDirectory(tree.at('apps/web'), {}, undefined, tree.root);

    expect(result.objects.map((d) => `${d.object.metadata.name} @ ${d.source}`)).toEqual([
      'a @ apps/web/a.yaml:1',
      'common @ apps/web/common.yaml:1',
    ]);
  });

  test('without a display root the app path is the boundary', async () => {
    tree.link('apps/web/common.yaml', '../../shared/common.yaml');

    await expect(renderDirectory(tree.at('apps/web'))).rejects.toMatchObject({ code: 'source:path-escape' });
  });
});
