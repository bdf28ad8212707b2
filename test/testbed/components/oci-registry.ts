import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binPath } from '../paths.js';
import { freePort } from '../free-port.js';
import { startProcess, waitReady, type ManagedProcess } from '../supervisor.js';

/** The test bed's OCI registry wants HTTP Basic auth with these (htpasswd, as many private registries). */
export const ociRegistryCredentials = { username: 'testbed', password: 'testbed-oci-secret-7c2e' };

export interface OciRegistryHandle {
  process: ManagedProcess;
  /** `127.0.0.1:<port>`: charts are `oci://<host>/<path>`, spoken in plain HTTP. */
  host: string;
}

/** A bcrypt htpasswd line (the registry accepts no other hash), made with the system's crypt(3). */
function htpasswdLine(username: string, password: string): string {
  const hash = execFileSync(
    'python3',
    [
      '-W',
      'ignore',
      '-c',
      'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))',
      password,
    ],
    { encoding: 'utf8' },
  ).trim();
  if (!hash.startsWith('$2')) throw new Error(`crypt(3) made no bcrypt hash (got ${hash.slice(0, 4)}…)`);
  return `${username}:${hash}\n`;
}

/** CNCF distribution's registry: in-memory storage, htpasswd auth, plain HTTP on loopback. */
export async function startOciRegistry(runDir: string, dataRoot: string): Promise<OciRegistryHandle> {
  const port = await freePort();
  const dir = join(dataRoot, 'oci-registry');
  mkdirSync(dir, { recursive: true });
  const htpasswd = join(dir, 'htpasswd');
  writeFileSync(htpasswd, htpasswdLine(ociRegistryCredentials.username, ociRegistryCredentials.password));
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log: {level: warn}',
      'storage: {inmemory: {}, delete: {enabled: true}}',
      `http: {addr: "127.0.0.1:${port}", secret: testbed-registry-secret}`,
      `auth: {htpasswd: {realm: testbed, path: "${htpasswd}"}}`,
      '',
    ].join('\n'),
  );
  const proc = startProcess({
    name: 'oci-registry',
    command: binPath('registry'),
    args: ['serve', config],
    logFile: join(runDir, 'oci-registry.log'),
    env: { PATH: process.env.PATH, HOME: dir, OTEL_TRACES_EXPORTER: 'none' },
  });
  const host = `127.0.0.1:${port}`;
  // Unauthenticated /v2/ answers 401 with a Basic challenge: the registry and its auth both run.
  await waitReady(proc, 'listening', async () => (await fetch(`http://${host}/v2/`)).status === 401);
  return { process: proc, host };
}
