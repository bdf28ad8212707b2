/**
 * FileSecretStore: the SecretStore port for `gitferry serve`. A secret named `clusters/prod/token`
 * is the file `<dir>/clusters/prod/token`; when there is no such file it falls back to the
 * environment variable `GITFERRY_SECRET_CLUSTERS_PROD_TOKEN` (the name upper-cased, every other
 * character than A–Z and 0–9 turned into `_`), so a container can pass secrets either way.
 *
 * A value read is kept for a few seconds (`cacheMs`; a cluster token is asked for at every request
 * to its API server): a secret rotated on disk (a Kubernetes secret volume, a Vault agent) is used
 * within that time, and at once by a `fresh` read — which callers make when the value was refused —
 * or after a `put` of it here. Symlinks are followed, since secret volumes are made of them.
 * Names with `..`, empty or `.` segments, a leading `/`, a backslash or a NUL byte are refused,
 * so a name can never reach outside `dir`. Errors name the secret, never its value.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SecretStoreError, type SecretStore } from '../../ports/secret-store.js';

/** A secret name is refused or its file cannot be read or written; the message names the secret. */
export { SecretStoreError };

export interface FileSecretStoreOptions {
  /** Where the fallback variables are read. Default `process.env`. */
  env: Record<string, string | undefined>;
  /** Prefix of the fallback variables. Default `GITFERRY_SECRET_`. */
  envPrefix: string;
  /**
   * Drop one trailing `\n` (or `\r\n`) from a file's content. Default true: `echo token > file`
   * writes one, and a token with a newline breaks an Authorization header. Set false for secrets
   * whose last byte matters.
   */
  stripTrailingNewline: boolean;
  /** How long a value read is answered again without reading, in ms. Default 5,000; 0: never. */
  cacheMs: number;
}

export const defaultFileSecretStoreOptions: FileSecretStoreOptions = {
  env: process.env,
  envPrefix: 'GITFERRY_SECRET_',
  stripTrailingNewline: true,
  cacheMs: 5_000,
};

export class FileSecretStore implements SecretStore {
  private readonly opts: FileSecretStoreOptions;
  private readonly cache = new Map<string, { value: string | undefined; at: number }>();

  /** `dir` undefined: environment variables only. */
  constructor(
    private readonly dir: string | undefined,
    opts: Partial<FileSecretStoreOptions> = {},
  ) {
    this.opts = { ...defaultFileSecretStoreOptions, ...opts };
  }

  /** The value (file first, then the variable); `fresh` reads it at the source whatever was kept. */
  async get(name: string, opts: { fresh?: boolean } = {}): Promise<string | undefined> {
    checkSecretName(name);
    const hit = this.cache.get(name);
    if (hit && !opts.fresh && Date.now() - hit.at < this.opts.cacheMs) return hit.value;
    const value = await this.readAtSource(name);
    if (this.opts.cacheMs > 0) this.cache.set(name, { value, at: Date.now() });
    return value;
  }

  private async readAtSource(name: string): Promise<string | undefined> {
    const fromFile = await this.readSecretFile(name);
    if (fromFile !== undefined) return fromFile;
    // An empty variable counts as unset: compose files and shells leave declared-but-empty ones.
    const fromEnv = this.opts.env[secretEnvName(name, this.opts.envPrefix)];
    return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
  }

  /**
   * Writes `<dir>/<name>` readable by this user only (directories 0700, file 0600). The file is
   * written beside its final name and renamed over it, so a reader sees the old or the new value.
   */
  async put(name: string, value: string): Promise<void> {
    checkSecretName(name);
    if (this.dir === undefined) {
      throw new SecretStoreError(
        'secret:read-only',
        `Secret ${name} cannot be written: this store has no directory, only environment variables`,
      );
    }
    const file = join(this.dir, name);
    const temp = join(dirname(file), `.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      await writeFile(temp, value, { mode: 0o600, flag: 'wx' });
      await rename(temp, file);
      this.cache.delete(name);
    } catch (err) {
      await rm(temp, { force: true });
      throw new SecretStoreError('secret:write-failed', `Secret ${name} cannot be written: ${codeOf(err)}`, {
        cause: err,
      });
    }
  }

  private async readSecretFile(name: string): Promise<string | undefined> {
    if (this.dir === undefined) return undefined;
    let content: string;
    try {
      content = await readFile(join(this.dir, name), 'utf8');
    } catch (err) {
      // Absent (or a directory, or a path through a file): not stored as a file, try the environment.
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
      throw new SecretStoreError('secret:read-failed', `Secret ${name} cannot be read: ${codeOf(err)}`, {
        cause: err,
      });
    }
    if (!this.opts.stripTrailingNewline) return content;
    return content.endsWith('\r\n')
      ? content.slice(0, -2)
      : content.endsWith('\n')
        ? content.slice(0, -1)
        : content;
  }
}

/** The fallback variable of a secret: `clusters/prod-token` → `GITFERRY_SECRET_CLUSTERS_PROD_TOKEN`. */
export function secretEnvName(name: string, prefix = defaultFileSecretStoreOptions.envPrefix): string {
  return `${prefix}${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** Refuses names that are not a plain relative path of non-empty segments inside the directory. */
export function checkSecretName(name: string): void {
  const refuse = (why: string) => {
    throw new SecretStoreError(
      'secret:invalid-name',
      `Secret name ${JSON.stringify(name)} is refused: ${why}`,
    );
  };
  if (typeof name !== 'string' || name === '') refuse('it is empty');
  if (name.includes('\0')) refuse('it contains a NUL byte');
  if (name.includes('\\')) refuse('it contains a backslash (use / between segments)');
  if (name.startsWith('/')) refuse('it is an absolute path');
  for (const segment of name.split('/')) {
    if (segment === '..') refuse('it contains a .. segment');
    if (segment === '' || segment === '.') refuse('it contains an empty or . segment');
  }
}

/** An error's code or name only: messages of fs errors carry paths, never the secret, but stay short. */
function codeOf(err: unknown): string {
  return (err as NodeJS.ErrnoException | undefined)?.code ?? (err instanceof Error ? err.name : String(err));
}
