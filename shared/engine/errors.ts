import { GitferryError } from '../domain/errors.js';

/** A Kubernetes `Status` as the API server returns it on failure. */
export interface KubeStatus {
  kind?: 'Status';
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    kind?: string;
    causes?: { reason?: string; message?: string; field?: string }[];
  };
}

/** The API server refused a request; carries its HTTP status and `reason` (NotFound, Conflict, Invalid…). */
export class KubeApiError extends GitferryError {
  override name = 'KubeApiError';
  constructor(
    message: string,
    readonly httpStatus: number,
    readonly status: KubeStatus,
    options?: { cause?: unknown },
  ) {
    super(`kube:${status.reason ?? httpStatus}`, message, options);
  }

  get reason(): string | undefined {
    return this.status.reason;
  }
}

/** A request to an API server got no answer (network failure, deadline) after its retries. */
export class KubeRequestError extends GitferryError {
  override name = 'KubeRequestError';
}

/** Something is wrong with the objects given to the engine (missing fields, duplicates…). */
export class ManifestError extends GitferryError {
  override name = 'ManifestError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('manifest-invalid', message, options);
  }
}

/** A sync step was refused for safety (empty render, scope…). Nothing was written. */
export class SyncRefusedError extends GitferryError {
  override name = 'SyncRefusedError';
  constructor(code: string, message: string) {
    super(code, message);
  }
}

/**
 * A kubeconfig cannot be used to reach its cluster: no current cluster, or a user that would run or
 * read something on the deployer's host (exec, auth-provider).
 */
export class KubeConfigError extends GitferryError {
  override name = 'KubeConfigError';
}

/** A custom health script cannot be used: a bad key or file (evaluation failures are health Unknown). */
export class HealthScriptError extends GitferryError {
  override name = 'HealthScriptError';
}
