// The checkout and render budgets as the CLI and the runtimes configure them (source/types.ts).
export {
  defaultSourceLimits,
  repoMaxFilesRange,
  sourceLimitsWith,
  type SourceLimits,
} from '../source/types.js';
