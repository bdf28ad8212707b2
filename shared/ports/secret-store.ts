import { GitferryError } from '../domain/errors.js';

/** A secret name is refused or its value cannot be read or written; the message names the secret, never its value. */
export class SecretStoreError extends GitferryError {
  override name = 'SecretStoreError';
}

/** Named secrets (cluster tokens, git credentials, webhook secrets). Values are never logged. */
export interface SecretStore {
  get(name: string): Promise<string | undefined>;
}
