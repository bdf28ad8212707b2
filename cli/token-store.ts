// Tokens `gitferry login` stored, per server, in the user's config dir (0600, in a 0700 dir).
import {
  closeSync,
  constants,
  existsSync,
  fchmodSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface StoredTokens {
  [server: string]: { idToken: string; expiresAt?: number; subject?: string };
}

/** `$XDG_CONFIG_HOME/gitferry/tokens.json` (default `~/.config/gitferry/tokens.json`). */
export function tokenFile(): string {
  return join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'gitferry', 'tokens.json');
}

export function readTokens(): StoredTokens {
  const file = tokenFile();
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StoredTokens;
  } catch {
    return {};
  }
}

/** The token `gitferry login` stored for `server`, if it has not expired. */
export function storedToken(server: string): string | undefined {
  const entry = readTokens()[server.replace(/\/+$/, '')];
  if (!entry || (entry.expiresAt !== undefined && entry.expiresAt * 1000 <= Date.now())) return undefined;
  return entry.idToken;
}

export function writeTokens(tokens: StoredTokens): void {
  const file = tokenFile();
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  // 0600 even when the file existed with wider permissions; never through a planted symlink.
  const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  try {
    fchmodSync(fd, 0o600);
    ftruncateSync(fd, 0);
    writeSync(fd, JSON.stringify(tokens, null, 2));
  } finally {
    closeSync(fd);
  }
}
