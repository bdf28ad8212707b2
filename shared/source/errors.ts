import { GitferryError } from '../domain/errors.js';

/** Fetching or rendering a source failed; the message names the repo, path or file (never a credential). */
export class SourceError extends GitferryError {
  override name = 'SourceError';
}
