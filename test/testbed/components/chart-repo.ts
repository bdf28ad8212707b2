import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../free-port.js';
import { startProcess, waitReady, type ManagedProcess } from '../supervisor.js';

export interface ChartRepoHandle {
  process: ManagedProcess;
  /** Base URL; the files of `dir` are served under it (`<url>/<sub>/index.yaml`). */
  url: string;
  dir: string;
}

const projectRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** A Helm chart repository (static files over HTTP) serving `<dataRoot>/charts`. */
export async function startChartRepo(runDir: string, dataRoot: string): Promise<ChartRepoHandle> {
  const port = await freePort();
  const dir = join(dataRoot, 'charts');
  mkdirSync(dir, { recursive: true });
  const proc = startProcess({
    name: 'chart-repo',
    command: process.execPath,
    args: ['--import', 'tsx', join(projectRoot, 'test/testbed/chart-repo-server.ts'), dir, String(port)],
    cwd: projectRoot,
    logFile: join(runDir, 'chart-repo.log'),
  });
  const url = `http://127.0.0.1:${port}`;
  await waitReady(proc, 'listening', async () => (await fetch(`${url}/none/index.yaml`)).status === 404);
  return { process: proc, url, dir };
}
