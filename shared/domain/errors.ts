/**
 * The one base error of Gitferry. Every error carries a stable `code`; messages start with their
 * subject (`Deployment/web/api apply failed: …`); causes are wrapped with `{ cause }`, never lost.
 */
export class GitferryError extends Error {
  override name = 'GitferryError';
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
