import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync, existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** A process the test bed started; stopped by its PID, its output kept in logFile. */
export interface ManagedProcess {
  name: string;
  pid: number;
  logFile: string;
}

export class TestbedError extends Error {
  override name = 'TestbedError';
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Starts a detached process (its own process group) with stdout and stderr in its log file. */
export function startProcess(opts: StartOptions): ManagedProcess {
  if (!existsSync(opts.command)) {
    throw new TestbedError(
      `${opts.name} cannot start: ${opts.command} does not exist (run \`npm run testbed:build\`)`,
    );
  }
  const fd = openSync(opts.logFile, 'a');
  try {
    const child = spawn(opts.command, opts.args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', fd, fd],
      detached: true,
    });
    if (child.pid === undefined) throw new TestbedError(`${opts.name} cannot start: spawn returned no PID`);
    child.unref();
    return { name: opts.name, pid: child.pid, logFile: opts.logFile };
  } finally {
    closeSync(fd);
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // An orphan that exited stays a zombie when PID 1 does not reap (containers): that is dead too.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

export function logTail(logFile: string, lines = 25): string {
  try {
    return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Polls `ready` until it returns true. Fails with the process's log tail when the process exits
 * or the timeout passes, so a broken component says which it is and why.
 */
export async function waitReady(
  proc: ManagedProcess,
  what: string,
  ready: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (!isAlive(proc.pid)) {
      throw new TestbedError(
        `${proc.name} exited before ${what}; last lines of ${proc.logFile}:\n${logTail(proc.logFile)}`,
      );
    }
    try {
      if (await ready()) return;
    } catch (err) {
      lastError = err;
    }
    await sleep(150);
  }
  const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
  throw new TestbedError(
    `${proc.name} did not reach ${what} within ${timeoutMs / 1000} s${why}; last lines of ${proc.logFile}:\n${logTail(proc.logFile)}`,
  );
}

/** Stops a process group by PID: SIGTERM, then SIGKILL after graceMs. */
export async function stopProcess(proc: Pick<ManagedProcess, 'pid'>, graceMs = 5_000): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-proc.pid, sig);
    } catch {
      try {
        process.kill(proc.pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  if (!isAlive(proc.pid)) return;
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(proc.pid)) return;
    await sleep(50);
  }
  signal('SIGKILL');
}
