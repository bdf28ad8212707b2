import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { motoPythonPath } from '../paths.js';
import { freePort } from '../free-port.js';
import { startProcess, waitReady, type ManagedProcess } from '../supervisor.js';

export interface MotoHandle {
  process: ManagedProcess;
  endpoint: string;
}

/** The launcher that serializes DynamoDB requests (moto_atomic_server.py says why). */
const atomicServer = fileURLToPath(new URL('./moto_atomic_server.py', import.meta.url));

/** moto's server: one endpoint for DynamoDB, SQS, STS and Secrets Manager. */
export async function startMoto(runDir: string): Promise<MotoHandle> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const proc = startProcess({
    name: 'moto',
    command: motoPythonPath,
    args: [atomicServer, '127.0.0.1', String(port)],
    logFile: join(runDir, 'moto.log'),
    // No real credentials can leak into or out of the emulator.
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
    },
  });
  await waitReady(proc, 'listening', async () => (await fetch(`${endpoint}/moto-api/`)).status < 500, 60_000);
  return { process: proc, endpoint };
}
