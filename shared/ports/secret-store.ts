import { GitferryError } from '../domain/errors.js';

/** A secret name is refused or its value cannot be read or written; the message names the secret, never its value. */
export class SecretStoreError extends GitferryError {
  override name = 'SecretStoreError';
}

/** Named secrets (cluster tokens, git credentials, webhook secrets). Values are never logged. */
export interface SecretStore {
  /**
   * A secret's value. `fresh`: read it at the source, past any cache (the value was refused, e.g.
   * a cluster token rotated since it was cached); stores that never cache read the source anyway.
   */
  get(name: string, opts?: { fresh?: boolean }): Promise<string | undefined>;
}
