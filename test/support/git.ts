// Bare repos on the test bed's git server, and pushes to them with the real git CLI over HTTP.
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { execFileAsync, testbed, uniqueName } from './testbed.js';
import { privateRepoCredentials } from '../testbed/git-credentials.js';

const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Gitferry Test',
  GIT_AUTHOR_EMAIL: 'test@gitferry.invalid',
  GIT_COMMITTER_NAME: 'Gitferry Test',
  GIT_COMMITTER_EMAIL: 'test@gitferry.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
};

async function git(cwd: string, ...args: string[]): Promise<string> {
  return (await execFileAsync('git', args, { cwd, env: gitEnv })).stdout.trim();
}

/** A repo on the git server with a working clone to commit and push from. */
export class TestRepo {
  private constructor(
    readonly name: string,
    readonly url: string,
    private readonly workDir: string,
  ) {}

  static async create(prefix = 'repo'): Promise<TestRepo> {
    const bed = testbed();
    const name = uniqueName(prefix);
    await execFileAsync(
      'git',
      ['init', '--bare', '--initial-branch=main', join(bed.git.repoRoot, `${name}.git`)],
      { env: gitEnv },
    );
    const workDir = mkdtempSync(join(tmpdir(), `gitferry-${name}-`));
    await git(workDir, 'init', '--initial-branch=main');
    const url = `${bed.git.url}/${name}.git`;
    // Pushes to private repos carry the credentials in the remote URL (test only; Gitferry never does this).
    const { username, password } = privateRepoCredentials;
    const pushUrl = name.startsWith('private-')
      ? url.replace('http://', `http://${username}:${password}@`)
      : url;
    await git(workDir, 'remote', 'add', 'origin', pushUrl);
    return new TestRepo(name, url, workDir);
  }

  /** Commits a fixture directory's files (under test/fixtures/repos/<name>), plus `extra`, and pushes. */
  async commitFixture(
    fixture: string,
    extra: Record<string, string> = {},
    message = `fixture ${fixture}`,
  ): Promise<string> {
    const root = fileURLToPath(new URL(`../fixtures/repos/${fixture}/`, import.meta.url));
    const files: Record<string, string> = {};
    for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const full = join(entry.parentPath, entry.name);
      files[relative(root, full)] = readFileSync(full, 'utf8');
    }
    return this.commit({ ...files, ...extra }, message);
  }

  /** Runs git in the working clone (e.g. to add a symlink before committing). */
  git(...args: string[]): Promise<string> {
    return git(this.workDir, ...args);
  }

  get path(): string {
    return this.workDir;
  }

  /** Writes files (path → content), commits them and pushes the branch over HTTP; returns the SHA. */
  async commit(files: Record<string, string>, message = 'change', branch = 'main'): Promise<string> {
    for (const [path, content] of Object.entries(files)) {
      const full = join(this.workDir, path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, content);
    }
    await git(this.workDir, 'add', '-A');
    await git(this.workDir, 'commit', '--allow-empty', '-m', message);
    await git(this.workDir, 'push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`);
    return git(this.workDir, 'rev-parse', 'HEAD');
  }

  dispose(): void {
    rmSync(this.workDir, { recursive: true, force: true });
  }
}
