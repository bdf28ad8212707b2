import { redact, redactDeep } from '../domain/redact.js';

/** Structured logging (Powertools' Logger fits it). Messages never carry secret values. */
export interface Logger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };

/**
 * The same logger with credentials removed from the message and every field (DESIGN.md safety
 * rule 4): error messages logged as fields come from git, helm and cluster APIs and may quote them.
 */
export function redactingLogger(log: Logger): Logger {
  return {
    info: (message, extra) => log.info(redact(message), extra && redactDeep(extra)),
    warn: (message, extra) => log.warn(redact(message), extra && redactDeep(extra)),
    error: (message, extra) => log.error(redact(message), extra && redactDeep(extra)),
  };
}
