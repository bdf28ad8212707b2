import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { binPath } from '../paths.js';
import { freePort } from '../free-port.js';
import { startProcess, waitReady, type ManagedProcess } from '../supervisor.js';

export interface EtcdHandle {
  process: ManagedProcess;
  clientUrl: string;
}

export async function startEtcd(runDir: string, dataRoot: string): Promise<EtcdHandle> {
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const dataDir = join(dataRoot, 'etcd');
  mkdirSync(dataDir, { recursive: true });
  const proc = startProcess({
    name: 'etcd',
    command: binPath('etcd'),
    args: [
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${clientUrl}`,
      `--advertise-client-urls=${clientUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=default=http://127.0.0.1:${peerPort}`,
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ],
    logFile: join(runDir, 'etcd.log'),
  });
  await waitReady(proc, 'health', async () => {
    const res = await fetch(`${clientUrl}/health`);
    return res.ok && ((await res.json()) as { health?: string }).health === 'true';
  });
  return { process: proc, clientUrl };
}
