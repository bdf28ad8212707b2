import { readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { GitCheckoutCache, resolveRevision } from '../../../shared/source/git.js';
import { privateRepoCredentials } from '../../testbed/git-credentials.js';
import { TestRepo } from '../../support/git.js';
import { sourceKit, testbedGuard, type SourceKit } from '../../support/source.js';

describe('unsafe sources', () => {
  let kit: SourceKit;
  beforeAll(() => (kit = sourceKit()));
  afterAll(() => kit.dispose());
  const renders = () => readdirSync(join(kit.root, 'renders'));

  test('a repository with a symlink pointing out of it is refused without revealing the target, and nothing is left', async () => {
    const repo = await TestRepo.create('symlink-escape');
    try {
      await repo.commitFixture('directory-app');
      symlinkSync('/proc/self/environ', join(repo.path, 'manifests', 'env.yaml'));
      const sha = await repo.commit({}, 'add a symlink out of the repo');
      const render = kit.renderer.render({
        appName: 'a',
        namespace: 'n',
        sources: [{ repoURL: repo.url, path: 'manifests' }],
        revisions: [sha],
      });
      await expect(render).rejects.toThrow(/manifests\/env\.yaml/);
      const message = await render.catch((e: Error) => e.message);
      expect(message).not.toContain('/proc/self/environ');
      expect(message).not.toContain(process.env.PATH!);
      expect(renders()).toEqual([]);
      expect(readdirSync(join(kit.root, 'checkouts')).filter((d) => !d.endsWith('.git'))).toEqual([]);
    } finally {
      repo.dispose();
    }
  });

  test('a private repository needs its credentials, and a failure never shows the token', async () => {
    const repo = await TestRepo.create('private-app');
    try {
      const sha = await repo.commitFixture('directory-app');
      const noCreds = resolveRevision(repo.url, 'main', { guard: testbedGuard });
      await expect(noCreds).rejects.toThrow(
        `resolving revision of ${repo.url}: authentication failed (HTTP 401)`,
      );
      const wrong = { username: 'testbed', password: 'wrong-token-0000' };
      const wrongErr = await resolveRevision(repo.url, 'main', {
        guard: testbedGuard,
        credentials: wrong,
      }).catch((e: Error) => e);
      expect(String(wrongErr)).not.toContain(wrong.password);
      expect(String((wrongErr as Error).stack)).not.toContain(wrong.password);

      expect(
        await resolveRevision(repo.url, 'main', { guard: testbedGuard, credentials: privateRepoCredentials }),
      ).toBe(sha);
      const result = await kit.renderer.render({
        appName: 'a',
        namespace: 'n',
        sources: [{ repoURL: repo.url, path: 'manifests' }],
        revisions: [sha],
        credentials: async () => privateRepoCredentials,
      });
      expect(result.objects).toHaveLength(3);
    } finally {
      repo.dispose();
    }
  });

  test.each([
    ['http://169.254.169.254/latest/meta-data.git', /169\.254\.169\.254/],
    ['http://localhost:1/repo.git', /loopback/],
    ['http://10.1.2.3/repo.git', /private/],
    ['http://[::ffff:127.0.0.1]/repo.git', /loopback/],
    ['file:///etc/passwd', /file:/],
  ])('the repository URL %s is refused before any request', async (url, why) => {
    await expect(resolveRevision(url, 'main', { guard: {} })).rejects.toThrow(why);
    const cache = new GitCheckoutCache(join(kit.root, 'ssrf-checkouts'));
    await expect(cache.withCheckout(url, 'a'.repeat(40), async () => 'read')).rejects.toThrow(why);
  });

  test('renders of the same app at the same commit share one result', async () => {
    const repo = await TestRepo.create('cached');
    try {
      const sha = await repo.commitFixture('directory-app');
      const req = {
        appName: 'a',
        namespace: 'n',
        sources: [{ repoURL: repo.url, path: 'manifests' }],
        revisions: [sha],
      };
      const ran = () => kit.renderer.stats().renders.renders;
      const before = ran();
      const [a, b] = await Promise.all([kit.renderer.render(req), kit.renderer.render(req)]);
      expect(b).toEqual(a);
      expect(await kit.renderer.render(req)).toEqual(a);
      // A directory render reads nothing of the app: another namespace shares it too.
      expect(await kit.renderer.render({ ...req, namespace: 'other' })).toEqual(a);
      expect(ran() - before).toBe(1);
      // Each caller has its own copy of the objects.
      expect(b).not.toBe(a);
      expect(b.objects[0]).not.toBe(a.objects[0]);
    } finally {
      repo.dispose();
    }
  });
});
