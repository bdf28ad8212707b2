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
 * A proxy that refuses every connection: the discard port on loopback. Go's HTTP client (helm,
 * kustomize) sends every non-loopback request through it, so a fetch the guards did not catch
 * fails instead of reaching the metadata service, the VPC or the internet.
 */
export const deadProxy = 'http://127.0.0.1:9';

/**
 * The environment of a helm or kustomize run: nothing from the host (no cloud credentials,
 * kubeconfig or proxy settings), HOME and caches inside the render's directory, a PATH with no
 * programs (kustomize clones remote bases by running `git`; helm runs plugins and post-renderers),
 * and every proxy variable pointing at `deadProxy`.
 */
export function toolEnvironment(home: string): NodeJS.ProcessEnv {
  return {
    HOME: home,
    PATH: `${home}/.no-programs`,
    XDG_CACHE_HOME: `${home}/.cache`,
    XDG_CONFIG_HOME: `${home}/.config`,
    XDG_DATA_HOME: `${home}/.local/share`,
    HELM_CACHE_HOME: `${home}/.cache/helm`,
    HELM_CONFIG_HOME: `${home}/.config/helm`,
    HELM_DATA_HOME: `${home}/.local/share/helm`,
    HELM_PLUGINS: `${home}/.no-programs`,
    KUBECONFIG: '/dev/null',
    HTTP_PROXY: deadProxy,
    HTTPS_PROXY: deadProxy,
    ALL_PROXY: deadProxy,
    http_proxy: deadProxy,
    https_proxy: deadProxy,
    all_proxy: deadProxy,
    NO_PROXY: '',
    no_proxy: '',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
  };
}

/**
 * Runs helm or kustomize with `toolEnvironment`, bounded time and output. Arguments are passed as
 * data: nothing is a shell.
 */
export function runTool(run: ToolRun): Promise<string> {
  const env = toolEnvironment(run.home);
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
