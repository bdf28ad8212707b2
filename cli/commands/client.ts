// The API client every command talks through, configured by the global --server and --token.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from '../api-client.js';
import { storedToken } from '../token-store.js';

/** Gives a command its client; read when the command runs, after the global options are parsed. */
export type ClientOf = () => ApiClient;

/**
 * A client for `opts()`: the token is --token, else $GITFERRY_TOKEN, else the one `gitferry login`
 * stored for this server, else the one `gitferry serve` wrote into its data directory.
 */
export function clientOf(opts: () => { server: string; token?: string }): ClientOf {
  return () => {
    const { server, token } = opts();
    const tokenFile = join(process.env.GITFERRY_DATA_DIR ?? join(homedir(), '.gitferry'), 'api-token');
    return new ApiClient(
      server,
      token ??
        process.env.GITFERRY_TOKEN ??
        storedToken(server) ??
        (existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : undefined),
    );
  };
}
