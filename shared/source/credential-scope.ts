// What the caches of shared/source/ key by instead of credentials: a digest that tells two sets of
// credentials apart without holding them. A fetch, a branch head or a render obtained with one set
// is never handed to a caller that reads the same repository with another set (or none): the
// server may answer each differently, and a caller without access must not get the files.
import { createHmac, randomBytes } from 'node:crypto';
import type { GitCredentials } from './git-http.js';

// Keyed with a random key per process: a digest found in memory or a heap dump cannot be checked
// against guessed tokens offline.
const processKey = randomBytes(32);

/** `none` without credentials; else a keyed digest of the username and password together. */
export function credentialScope(credentials: GitCredentials | undefined): string {
  if (!credentials) return 'none';
  return createHmac('sha256', processKey)
    .update(JSON.stringify([credentials.username ?? null, credentials.password]))
    .digest('base64url');
}
