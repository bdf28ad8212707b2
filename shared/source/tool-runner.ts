import { execFile } from 'node:child_process';
import { redact } from '../domain/redact.js';
import { SourceError } from './errors.js';

export interface ToolRun {
  /** Absolute path of the binary (helm, kustomize): never looked up on PATH, never run by a shell. */
  bin: string;
  args: string[];
  cwd: string;
  /** HOME and caches for the tool: a directory inside the render's own temp dir. */
  home: string;
  timeoutMs: number;
  maxOutputBytes: number;
  /** What the error says is being done, e.g. `helm template of charts/web`. */
  what: string;
}

/**
 * Runs helm or kustomize with a clean environment (no cloud credentials, no proxy or kubeconfig
 * from the host), bounded time and output. Arguments are passed as data: nothing is a shell.
 */
export function runTool(run: ToolRun): Promise<string> {
  const env: NodeJS.ProcessEnv = {
    HOME: run.home,
    PATH: '/usr/bin:/bin',
    XDG_CACHE_HOME: `${run.home}/.cache`,
    XDG_CONFIG_HOME: `${run.home}/.config`,
    XDG_DATA_HOME: `${run.home}/.local/share`,
    HELM_CACHE_HOME: `${run.home}/.cache/helm`,
    HELM_CONFIG_HOME: `${run.home}/.config/helm`,
    HELM_DATA_HOME: `${run.home}/.local/share/helm`,
    KUBECONFIG: '/dev/null',
  };
  return new Promise((resolve, reject) => {
    execFile(
      run.bin,
      run.args,
      {
        cwd: run.cwd,
        env,
        timeout: run.timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: run.maxOutputBytes,
        encoding: 'utf8',
      },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: string | number };
        if (e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
          return reject(
            new SourceError('source:too-large', `${run.what}: output exceeds ${run.maxOutputBytes} bytes`),
          );
        }
        if (e.killed)
          return reject(
            new SourceError('source:timeout', `${run.what}: did not finish within ${run.timeoutMs / 1000} s`),
          );
        if (e.code === 'ENOENT')
          return reject(new SourceError('source:tool-missing', `${run.what}: ${run.bin} not found`));
        const detail = redact(stderr).trim().split('\n').slice(-10).join('\n') || redact(e.message);
        reject(new SourceError('source:render-failed', `${run.what} failed: ${detail}`));
      },
    );
  });
}
