import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where built binaries and the moto venv live (never in the repo). */
export const testbedHome = process.env.GITFERRY_TESTBED_HOME ?? join(homedir(), '.cache', 'gitferry-testbed');

/** Path of a test bed binary; always call these by path, never whatever is on PATH. */
export function binPath(
  name:
    | 'kube-apiserver'
    | 'kube-controller-manager'
    | 'kube-scheduler'
    | 'kubectl'
    | 'etcd'
    | 'kwok'
    | 'helm'
    | 'kustomize'
    | 'jsonnet'
    | 'registry',
): string {
  return join(testbedHome, 'bin', name);
}

/** The Python of moto's virtualenv (build.sh installs moto there). */
export const motoPythonPath = join(testbedHome, 'moto', 'bin', 'python');
export const kwokStagesDir = join(testbedHome, 'kwok-stages');
