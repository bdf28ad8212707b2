// What this gitferry is: version and commit, stamped into the bundle by scripts/build-cli.mjs;
// from source (tsx), the version of package.json and "source" as the commit.
import { readFileSync } from 'node:fs';

export interface BuildInfo {
  version: string;
  commit: string;
  builtAt: string;
  [key: string]: string;
}

// Replaced by esbuild's `define` in the bundle; undeclared when run from source.
declare const GITFERRY_BUILD_INFO: BuildInfo | undefined;

export function buildInfo(): BuildInfo {
  if (typeof GITFERRY_BUILD_INFO !== 'undefined') return GITFERRY_BUILD_INFO;
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return { version: pkg.version, commit: 'source', builtAt: 'not built (run from source)' };
}
