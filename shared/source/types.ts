import { SourceError } from './errors.js';
import type { DesiredObject } from '../engine/prepare.js';

export type {
  AppSource,
  DirectoryOptions,
  HelmOptions,
  HelmParameter,
  JsonnetOptions,
  JsonnetVariable,
  KustomizeOptions,
} from '../domain/app-source.js';

export type SourceType = 'Directory' | 'Kustomize' | 'Helm';

export interface RenderResult {
  objects: DesiredObject[];
  sourceType: SourceType;
  warnings: string[];
}

/** Bounds on what one fetch or render may consume (safety items 12 and 13). */
export interface SourceLimits {
  /** Files a checkout or app directory may hold. */
  maxFiles: number;
  /** Bytes of the files read or produced. */
  maxBytes: number;
  /** YAML documents a render may produce. */
  maxDocuments: number;
  /** JSON nodes one parsed document may expand to (stops alias bombs). */
  maxNodesPerDocument: number;
  /**
   * JSON nodes all documents of one render may expand to together: many documents each under
   * `maxNodesPerDocument` must not add up to more than memory holds.
   */
  maxNodesPerRender: number;
  /** Bytes one file (a git blob) may hold: checked before it is inflated or written. */
  maxFileBytes: number;
  /** Wall time of one helm or kustomize run. */
  timeoutMs: number;
}

export const defaultSourceLimits: SourceLimits = {
  maxFiles: 20_000,
  maxBytes: 256 * 1024 * 1024,
  maxDocuments: 20_000,
  maxNodesPerDocument: 1_000_000,
  maxNodesPerRender: 5_000_000,
  maxFileBytes: 32 * 1024 * 1024,
  timeoutMs: 60_000,
};

/**
 * What an operator may set the checkout's file budget to (`gitferry serve --repo-max-files`,
 * `GITFERRY_REPO_MAX_FILES`, the construct's `repoMaxFiles`): a monorepo of thousands of apps has
 * more than the default's 20,000 files and directories. Bytes and time keep their limits whatever
 * the count, and a pack is still refused before it is unpacked when it holds more objects.
 */
/** Said where a checkout is refused for its number of files: the limit is the operator's to raise. */
export const repoMaxFilesHint =
  'an operator may raise the limit: gitferry serve --repo-max-files, GITFERRY_REPO_MAX_FILES on AWS';

export const repoMaxFilesRange = { min: 1_000, max: 1_000_000 } as const;

/** The limits with the operator's file budget, checked (`what` names the flag or variable). */
export function sourceLimitsWith(what: string, maxFiles: string | number | undefined): SourceLimits {
  if (maxFiles === undefined || maxFiles === '') return defaultSourceLimits;
  const n = typeof maxFiles === 'string' && /^\s*\d+\s*$/.test(maxFiles) ? Number(maxFiles) : maxFiles;
  if (
    typeof n !== 'number' ||
    !Number.isSafeInteger(n) ||
    n < repoMaxFilesRange.min ||
    n > repoMaxFilesRange.max
  )
    throw new SourceError(
      'config:invalid',
      `${what} must be a whole number of files from ${repoMaxFilesRange.min} to ${repoMaxFilesRange.max}, got ${JSON.stringify(maxFiles)?.slice(0, 40)}`,
    );
  return { ...defaultSourceLimits, maxFiles: n };
}
