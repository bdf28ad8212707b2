// The file system isomorphic-git is handed. Every one of its calls wraps the fs it is given and
// probes it by calling readFile() with no arguments to learn whether it returns promises; with
// node:fs that probe throws a TypeError, whose stack trace costs more than many of the calls
// themselves (about 1 s of CPU for the 3,000 reads of one checkout of a 1,000-path repository).
// This one answers the probe with a resolved promise and passes every real call to node:fs.
import * as fsPromises from 'node:fs/promises';

type ReadFile = typeof fsPromises.readFile;

const readFile = ((...args: unknown[]) =>
  args.length === 0
    ? Promise.resolve(undefined)
    : fsPromises.readFile(...(args as Parameters<ReadFile>))) as ReadFile;

/** node:fs's promise API, as isomorphic-git's `fs` option, without the costly probe. */
export const gitFs = {
  promises: {
    readFile,
    writeFile: fsPromises.writeFile,
    mkdir: fsPromises.mkdir,
    rmdir: fsPromises.rmdir,
    rm: fsPromises.rm,
    unlink: fsPromises.unlink,
    stat: fsPromises.stat,
    lstat: fsPromises.lstat,
    readdir: fsPromises.readdir,
    readlink: fsPromises.readlink,
    symlink: fsPromises.symlink,
    chmod: fsPromises.chmod,
  },
};
