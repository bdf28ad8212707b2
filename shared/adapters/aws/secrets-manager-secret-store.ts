import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { SecretStoreError, type SecretStore } from '../../ports/secret-store.js';

export interface SecretsManagerOptions {
  /** Secret values are cached this long (tokens rotate; a Lambda lives minutes to hours). */
  cacheMs: number;
  /** Prepended to every name, e.g. `gitferry/`. */
  prefix: string;
}

export const defaultSecretsManagerOptions: SecretsManagerOptions = { cacheMs: 5 * 60_000, prefix: '' };

/** Secrets from AWS Secrets Manager (SecretString), cached briefly. */
export class SecretsManagerSecretStore implements SecretStore {
  private readonly cache = new Map<string, { value: string | undefined; at: number }>();
  private readonly opts: SecretsManagerOptions;

  constructor(
    private readonly client: SecretsManagerClient,
    opts: Partial<SecretsManagerOptions> = {},
  ) {
    this.opts = { ...defaultSecretsManagerOptions, ...opts };
  }

  async get(name: string, opts: { fresh?: boolean } = {}): Promise<string | undefined> {
    const hit = this.cache.get(name);
    if (hit && !opts.fresh && Date.now() - hit.at < this.opts.cacheMs) return hit.value;
    let value: string | undefined;
    try {
      value = (await this.client.send(new GetSecretValueCommand({ SecretId: `${this.opts.prefix}${name}` })))
        .SecretString;
    } catch (err) {
      if (!(err instanceof ResourceNotFoundException))
        throw new SecretStoreError('secret:read-failed', `secret ${name}: ${(err as Error).name}`, {
          cause: err,
        });
    }
    this.cache.set(name, { value, at: Date.now() });
    return value;
  }
}
