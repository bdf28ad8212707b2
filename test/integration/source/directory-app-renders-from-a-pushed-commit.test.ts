import { resolveRevision } from '../../../shared/source/git.js';
import { formatRef, refOf } from '../../../shared/domain/kube-object.js';
import { TestRepo } from '../../support/git.js';
import { sourceKit, testbedGuard, type SourceKit } from '../../support/source.js';

describe('a plain directory app', () => {
  let repo: TestRepo;
  let kit: SourceKit;
  beforeAll(async () => {
    repo = await TestRepo.create('dir-app');
    kit = sourceKit();
  });
  afterAll(() => {
    repo.dispose();
    kit.dispose();
  });

  test('resolves the branch to its newest commit and renders the YAML and JSON files at it, naming file and line', async () => {
    const first = await repo.commitFixture('directory-app');
    const second = await repo.commit({
      'manifests/late.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: late }\n',
    });
    expect(await resolveRevision(repo.url, 'main', { guard: testbedGuard })).toBe(second);
    expect(await resolveRevision(repo.url, 'HEAD', { guard: testbedGuard })).toBe(second);

    const source = { repoURL: repo.url, path: 'manifests', targetRevision: 'main' };
    const result = await kit.renderer.render({
      appName: 'dir',
      namespace: 'shop',
      sources: [source],
      revisions: [first],
    });
    expect(result.sourceType).toBe('Directory');
    // Not recursive by default (Argo CD's default); README.md ignored; the later commit not included.
    expect(result.objects.map((o) => `${formatRef(refOf(o.object))} @ ${o.source}`)).toEqual([
      'ConfigMap/settings @ manifests/app.yaml:1',
      'Service/web @ manifests/app.yaml:8',
      'ConfigMap/from-json @ manifests/extra.json:1',
    ]);

    const recursive = await kit.renderer.render({
      appName: 'dir',
      namespace: 'shop',
      sources: [{ ...source, directory: { recurse: true, exclude: '*.json' } }],
      revisions: [second],
    });
    expect(recursive.objects.map((o) => o.object.metadata.name)).toEqual([
      'settings',
      'web',
      'late',
      'nested',
    ]);
  });

  test('names the revision or path that does not exist', async () => {
    await expect(resolveRevision(repo.url, 'no-such-branch', { guard: testbedGuard })).rejects.toThrow(
      `${repo.url}: revision "no-such-branch" is not a branch, tag, ref or commit SHA of this repository`,
    );
    const sha = await resolveRevision(repo.url, 'main', { guard: testbedGuard });
    await expect(
      kit.renderer.render({
        appName: 'dir',
        namespace: 'shop',
        sources: [{ repoURL: repo.url, path: 'nope' }],
        revisions: [sha],
      }),
    ).rejects.toThrow(`${repo.url}: path "nope" does not exist at this revision`);
    await expect(
      kit.renderer.render({
        appName: 'dir',
        namespace: 'shop',
        sources: [{ repoURL: repo.url, path: 'manifests' }],
        revisions: ['0'.repeat(40)],
      }),
    ).rejects.toThrow(`${repo.url}: commit ${'0'.repeat(40)} does not exist in this repository`);
  });

  test('reports broken YAML with its file, line and column', async () => {
    const sha = await repo.commit({
      'broken/bad.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n',
    });
    await expect(
      kit.renderer.render({
        appName: 'dir',
        namespace: 'shop',
        sources: [{ repoURL: repo.url, path: 'broken' }],
        revisions: [sha],
      }),
    ).rejects.toThrow(/^broken\/bad\.yaml:\d+:\d+: /);
  });
});
