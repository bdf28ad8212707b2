import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../free-port.js';
import { startProcess, waitReady, type ManagedProcess } from '../supervisor.js';

export interface GitServerHandle {
  process: ManagedProcess;
  /** Base URL; a bare repo at <repoRoot>/<name>.git is served at <url>/<name>.git */
  url: string;
  repoRoot: string;
}

const projectRoot = fileURLToPath(new URL('../../../', import.meta.url));

export async function startGitServer(runDir: string, dataRoot: string): Promise<GitServerHandle> {
  const port = await freePort();
  const repoRoot = join(dataRoot, 'git');
  mkdirSync(repoRoot, { recursive: true });
  const proc = startProcess({
    name: 'git-http-bridge',
    command: process.execPath,
    args: ['--import', 'tsx', join(projectRoot, 'test/testbed/git-http-bridge.ts'), repoRoot, String(port)],
    cwd: projectRoot,
    logFile: join(runDir, 'git-http-bridge.log'),
  });
  const url = `http://127.0.0.1:${port}`;
  // The backend answers 404 for an unknown repo: proof that the bridge and the CGI both run.
  await waitReady(
    proc,
    'listening',
    async () => (await fetch(`${url}/none.git/info/refs?service=git-upload-pack`)).status === 404,
  );
  return { process: proc, url, repoRoot };
}
