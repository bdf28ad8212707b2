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
