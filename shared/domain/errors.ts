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

/**
 * An app's lease is held (a sync is running): the request would race it. The caller may try
 * again in a few seconds; nothing was changed.
 */
export class AppBusyError extends GitferryError {
  override name = 'AppBusyError';
  constructor(readonly app: string) {
    super('app:busy', `App/${app} is being synced right now; try again in a few seconds`);
  }
}
