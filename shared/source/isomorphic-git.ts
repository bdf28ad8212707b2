// isomorphic-git, with pako (its inflate), is about 200 KB of code: it is loaded by the first git
// operation of a process, so that one that never reads a repository (a Lambda rechecking health,
// or answering a webhook) does not compile it at start. A Lambda bundle keeps it in its own chunk.
import type * as IsomorphicGitModule from 'isomorphic-git';

export type IsomorphicGit = typeof IsomorphicGitModule;

let loading: Promise<IsomorphicGit> | undefined;

export const isomorphicGit = (): Promise<IsomorphicGit> => (loading ??= load());

async function load(): Promise<IsomorphicGit> {
  const m = (await import('isomorphic-git')) as IsomorphicGit & { default?: IsomorphicGit };
  // Run from source its functions are named exports; in a bundle's chunk the CommonJS build comes
  // as one default export.
  return typeof m.listServerRefs === 'function' ? m : m.default!;
}
