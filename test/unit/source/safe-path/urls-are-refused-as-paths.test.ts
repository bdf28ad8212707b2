import { resolveInside } from '../../../../shared/source/safe-path.js';
import { rejectionOf, tempTree, type TempTree } from '../temp-tree.js';

describe('resolveInside refuses anything with a URL scheme', () => {
  let tree: TempTree;
  beforeEach(() => {
    tree = tempTree();
  });
  afterEach(() => tree.remove());

  test.each([
    'file:///etc/passwd',
    'file:/etc/passwd',
    'FILE:///etc/passwd',
    'https://example.com/values.yaml',
    'http://169.254.169.254/latest/meta-data/',
    'ext::sh -c id',
    'oci://registry.example.com/charts/web',
    's3://bucket/values.yaml',
  ])('%s is refused as a URL', async (p) => {
    const err = await rejectionOf(resolveInside(tree.root, p, 'value file'));

    expect(err.code).toBe('source:path-escape');
    expect(err.message).toBe(
      `value file ${JSON.stringify(p)} is a URL; only paths inside the repository are allowed`,
    );
  });

  test('credentials in a URL are not repeated in the message', async () => {
    const err = await rejectionOf(
      resolveInside(tree.root, 'https://deploy:glpat-s3cr3t@gitlab.example.com/values.yaml', 'value file'),
    );

    expect(err.message).toContain('https://gitlab.example.com/values.yaml');
    expect(err.message).not.toContain('glpat-s3cr3t');
    expect(err.message).not.toContain('deploy');
  });

  test('a very long value is cut short in the message', async () => {
    const err = await rejectionOf(
      resolveInside(tree.root, `https://example.com/${'a'.repeat(10_000)}`, 'value file'),
    );

    expect(err.message.length).toBeLessThan(400);
  });
});
