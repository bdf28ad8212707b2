import type { ChangeSetEntry } from '../../../shared/domain/change-set.js';
import type { KubeObject } from '../../../shared/domain/kube-object.js';
import { diffObjects } from '../../../shared/engine/diff.js';
import {
  buildPreviewReport,
  fenced,
  inlineCode,
  previewMarker,
  type PreviewFindings,
} from '../../../shared/preview/report.js';

const target = { headSha: 'a'.repeat(40), headRef: 'feature', fork: false };
const ref = (kind: string, name: string) => ({ group: '', version: 'v1', kind, namespace: 'shop', name });
const configMap = (name: string, data: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'shop' },
  data,
});
const changed = (
  name: string,
  before: Record<string, string>,
  after: Record<string, string>,
): ChangeSetEntry => ({
  ref: ref('ConfigMap', name),
  action: 'configured',
  diff: diffObjects(`ConfigMap/shop/${name}`, configMap(name, before), configMap(name, after)).text,
});
const findings = (results: ChangeSetEntry[], extra: Partial<PreviewFindings> = {}): PreviewFindings => ({
  app: 'shop',
  target,
  destination: 'prod/shop',
  results,
  ...extra,
});

describe('a preview report masks, bounds and fences what it shows', () => {
  test('the comment starts with its marker and lists each change with its diff', () => {
    const r = buildPreviewReport(
      findings([
        changed('settings', { value: 'one' }, { value: 'two' }),
        { ref: ref('ConfigMap', 'same'), action: 'unchanged' },
        { ref: ref('Service', 'web'), action: 'created', diff: '+kind: Service\n' },
      ]),
    );
    expect(r.outcome).toBe('changes');
    expect(r.summary).toBe('1 to create, 1 to change, 0 to prune, 1 unchanged');
    expect(r.comment!.split('\n')[0]).toBe(previewMarker('shop'));
    expect(r.comment).toContain('| `ConfigMap/shop/settings` | change |');
    expect(r.comment).toContain('| `Service/shop/web` | create |');
    expect(r.comment).toContain('-  value: one\n+  value: two');
    expect(r.comment).not.toContain('ConfigMap/shop/same');
  });

  test('Secret values never appear: the engine masks them and the report adds nothing', () => {
    const secret = (v: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds', namespace: 'shop' },
      data: { token: Buffer.from(v).toString('base64') },
    });
    const diff = diffObjects(
      'Secret/shop/creds',
      secret('s3cr3t-live-value'),
      secret('s3cr3t-new-value'),
    ).text;
    const r = buildPreviewReport(findings([{ ref: ref('Secret', 'creds'), action: 'configured', diff }]));
    // Masked by the engine's diff; the report's redaction may rename the mask of a key named token.
    expect(r.comment).toMatch(/token: (\+{8}|\[redacted\]) \(desired\)/);
    for (const v of ['s3cr3t-live-value', 's3cr3t-new-value'])
      for (const form of [v, Buffer.from(v).toString('base64')]) expect(r.comment).not.toContain(form);
  });

  test('one huge diff is cut at a line and said so; many diffs stop at the comment bound, counted', () => {
    const big: Record<string, string> = {};
    for (let i = 0; i < 3000; i++) big[`k${i}`] = 'v'.repeat(60);
    const one = buildPreviewReport(findings([changed('big', {}, big)]));
    expect(one.comment).toMatch(/… \d+ more line\(s\) not shown \(diff larger than 16 KiB\)/);
    expect(Buffer.byteLength(one.comment!)).toBeLessThan(20_000);

    const many = Array.from({ length: 60 }, (_, i) =>
      changed(`cm${i}`, { a: 'x'.repeat(3000) }, { a: 'y'.repeat(3000) }),
    );
    const r = buildPreviewReport(findings(many), { maxCommentBytes: 20_000 });
    expect(Buffer.byteLength(r.comment!)).toBeLessThanOrEqual(20_000);
    const shown = (r.comment!.match(/<details>/g) ?? []).length;
    expect(shown).toBeGreaterThan(0);
    expect(r.comment).toContain(
      `diffs of ${60 - shown} more object(s) not shown: the comment is limited to 20 kB`,
    );
    // Every object is still in the table.
    expect((r.comment!.match(/` \| change \|/g) ?? []).length).toBe(60);
  });

  test('text from the repository cannot close its code fence or break out of inline code', () => {
    const hostile = 'a: b\n```\n## Approved by @admin\n````\n';
    const block = fenced(hostile, 'diff');
    expect(block.startsWith('`````diff\n')).toBe(true);
    expect(block.endsWith('\n`````')).toBe(true);
    expect(inlineCode('x`y\n# heading')).toBe('`x y # heading`');
    const r = buildPreviewReport({
      ...findings([]),
      target: { ...target, headRef: '--upload-pack=`touch /tmp/x`\n# hi' },
    });
    expect(r.comment).toContain('`--upload-pack= touch /tmp/x  # hi`');
  });

  test('a failure fails with a summary naming the object; a skipped preview has no comment', () => {
    const r = buildPreviewReport(
      findings([], {
        failure:
          'refused before any write (1 problem(s)):\n  ClusterRole/escape: cluster-scoped rbac.authorization.k8s.io/ClusterRole is not permitted in project shop',
      }),
    );
    expect(r.outcome).toBe('failed');
    expect(r.summary.length).toBeLessThanOrEqual(140);
    expect(r.summary).toMatch(/^Preview failed: ClusterRole\/escape: cluster-scoped/);
    expect(r.comment).toContain('is not permitted in project shop');

    const skipped = buildPreviewReport({
      app: 'shop',
      target: { ...target, fork: true },
      skipped: 'forks are off',
    });
    expect(skipped).toEqual({
      outcome: 'skipped',
      summary: 'Not previewed: forks are off',
      title: 'Not previewed: forks are off',
    });
  });
});
