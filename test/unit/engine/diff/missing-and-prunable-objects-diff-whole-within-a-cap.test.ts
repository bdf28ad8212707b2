// A missing object diffs whole as added, a prunable one whole as removed, Secret values masked;
// a huge object (a large CRD) keeps the head of its diff and says how much was left out.
import { diffObjects, maxObjectDiffBytes, truncateDiff } from '../../../../shared/engine/diff.js';

const secret = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'creds', namespace: 'web' },
  data: { password: Buffer.from('hunter2').toString('base64') },
};

describe('whole-object diffs', () => {
  test('a missing object shows whole as added, its Secret values masked', () => {
    const { changed, text } = diffObjects('Secret/web/creds', undefined, secret);
    expect(changed).toBe(true);
    expect(text).toContain('+++ Secret/web/creds (desired)');
    expect(text).toContain('+kind: Secret');
    expect(text).toContain('+  password: ++++++++ (desired)');
    expect(text).not.toContain(secret.data.password);
  });

  test('a prunable object shows whole as removed', () => {
    const { text } = diffObjects('Secret/web/creds (would prune)', secret, undefined);
    expect(text).toContain('--- Secret/web/creds (would prune) (live)');
    expect(text).toContain('-kind: Secret');
    expect(text).toContain('-  password: ++++++++ (live)');
    expect(text).not.toContain(secret.data.password);
  });

  test('a very large object keeps the head of its diff within the cap and counts the rest', () => {
    const properties = Object.fromEntries(
      Array.from({ length: 5000 }, (_, i) => [`field${i}`, { type: 'string', description: 'x'.repeat(40) }]),
    );
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'huge.example.com' },
      spec: { versions: [{ name: 'v1', schema: { openAPIV3Schema: { type: 'object', properties } } }] },
    };
    const { text } = diffObjects('CustomResourceDefinition/huge.example.com', undefined, crd);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(maxObjectDiffBytes + 200);
    expect(text).toContain('+++ CustomResourceDefinition/huge.example.com (desired)');
    expect(text).toMatch(/\n… \d+ more line\(s\) not shown \(diff larger than 64 KiB\)\n$/);
  });

  test('a diff under the cap is left as it is', () => {
    expect(truncateDiff('a\nb\n', 100)).toBe('a\nb\n');
    expect(truncateDiff('aaaa\nbbbb\ncccc\n', 10)).toBe(
      'aaaa\nbbbb\n… 2 more line(s) not shown (diff larger than 0 KiB)\n',
    );
  });
});
