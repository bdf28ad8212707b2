import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as git from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import * as fs from 'node:fs';
import { TestRepo } from '../../support/git.js';

describe('the test bed git server', () => {
  let repo: TestRepo;
  let dir: string;
  beforeAll(async () => {
    repo = await TestRepo.create('smoke-git');
    dir = mkdtempSync(join(tmpdir(), 'gitferry-clone-'));
  });
  afterAll(() => {
    repo.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test('lets isomorphic-git fetch an older pushed commit by SHA over smart HTTP', async () => {
    const first = await repo.commit({ 'app/config.yaml': 'version: 1\n' }, 'first');
    const second = await repo.commit({ 'app/config.yaml': 'version: 2\n' }, 'second');
    expect(first).not.toBe(second);

    const refs = await git.listServerRefs({ http, url: repo.url, prefix: 'refs/heads/' });
    expect(refs).toEqual([{ ref: 'refs/heads/main', oid: second }]);

    await git.init({ fs, dir });
    await git.addRemote({ fs, dir, remote: 'origin', url: repo.url });
    await git.fetch({
      fs,
      http,
      dir,
      remote: 'origin',
      ref: first,
      depth: 1,
      singleBranch: true,
      tags: false,
    });
    await git.checkout({ fs, dir, ref: first, force: true });
    expect(readFileSync(join(dir, 'app/config.yaml'), 'utf8')).toBe('version: 1\n');
    const log = await git.log({ fs, dir, ref: first });
    expect(log[0]?.commit.message.trim()).toBe('first');
  });
});
