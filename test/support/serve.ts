// `gitferry serve` as its own process (through bin/gitferry), against the test bed's cluster.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { eventually, execFileAsync, testbed } from './testbed.js';

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
  /** More `serve` flags (e.g. `--workers 4`). */
  args?: string[];
  /** Flags for node itself (e.g. `--cpu-prof`, which NODE_OPTIONS may not carry). */
  nodeArgs?: string[];
}): Promise<ServeProcess> {
  const args = ['serve', '--port', String(opts.port), '--data-dir', opts.dataDir, ...(opts.args ?? [])];
  let env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
  if (opts.cluster) {
    const bed = testbed();
    args.push('--kubeconfig', bed.kubeconfig, '--allow-host', '127.0.0.1/32');
    env = { ...env, GITFERRY_HELM: bed.bin.helm, GITFERRY_KUSTOMIZE: bed.bin.kustomize };
  }
  const log: string[] = [];
  const child = opts.nodeArgs?.length
    ? spawn(process.execPath, [...opts.nodeArgs, cliPath, ...args], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    : spawn(cliPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
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

/**
 * `gitferry --server <serve> …` for tests: never throws, answers the exit code and what it printed.
 * `server` is read on each call (a test may restart serve).
 */
export function cliAgainst(server: () => ServeProcess, dataDir: string) {
  return async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    try {
      const r = await execFileAsync(cliPath, ['--server', server().url, ...args], {
        env: { ...process.env, GITFERRY_DATA_DIR: dataDir },
      });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };
}

/** `eventually`, whose timeout says what serve was doing: the last lines of its log. */
export function eventuallyWithServeLog(server: () => ServeProcess): typeof eventually {
  return (async (...a: Parameters<typeof eventually>) =>
    eventually(...a).catch((e: Error) => {
      throw new Error(
        `${e.message}\nlast lines of the serve log:\n${server().log.join('').split('\n').slice(-30).join('\n')}`,
      );
    })) as typeof eventually;
}
