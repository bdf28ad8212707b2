// `gitferry serve` as its own process (through bin/gitferry), against the test bed's cluster.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { eventually, testbed } from './testbed.js';

export const cliPath = fileURLToPath(new URL('../../bin/gitferry', import.meta.url));

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  /** Everything it printed (for failure messages). */
  log: string[];
}

/**
 * Starts `gitferry serve` on a port and data dir and waits until it answers /healthz. With
 * `cluster`, it registers the test bed's cluster and may fetch from its loopback git server.
 */
export async function startServe(opts: {
  port: number;
  dataDir: string;
  cluster?: boolean;
  env?: NodeJS.ProcessEnv;
}): Promise<ServeProcess> {
  const args = ['serve', '--port', String(opts.port), '--data-dir', opts.dataDir];
  let env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
  if (opts.cluster) {
    const bed = testbed();
    args.push('--kubeconfig', bed.kubeconfig, '--allow-host', '127.0.0.1/32');
    env = { ...env, GITFERRY_HELM: bed.bin.helm, GITFERRY_KUSTOMIZE: bed.bin.kustomize };
  }
  const log: string[] = [];
  const child = spawn(cliPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => log.push(String(d)));
  child.stderr!.on('data', (d: Buffer) => log.push(String(d)));
  const url = `http://127.0.0.1:${opts.port}`;
  await eventually(
    'gitferry serve answering',
    async () => ((await fetch(`${url}/healthz`).catch(() => undefined))?.ok ? true : undefined),
    30_000,
    200,
  );
  return { child, url, log };
}
