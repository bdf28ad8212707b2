import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { redact } from '../shared/domain/redact.js';
import { redactingLogger, type Logger } from '../shared/ports/logger.js';
import { awsEnvNames } from '../shared/runtime/aws-env.js';

/** Structured JSON logs for one function (Powertools); app, revision and delivery id go in as keys. */
export function functionLogger(serviceName: string): Logger & { raw: PowertoolsLogger } {
  const raw = new PowertoolsLogger({
    serviceName,
    logLevel: (process.env[awsEnvNames.LOG_LEVEL] as 'INFO' | undefined) ?? 'INFO',
    // Also what reaches `raw` directly (errors Powertools formats itself, persistent keys).
    jsonReplacerFn: (_key: string, value: unknown) => (typeof value === 'string' ? redact(value) : value),
  });
  // Powertools reserves `message`; callers' own `message` fields are logged as `detail`.
  const fields = (extra?: Record<string, unknown>) => {
    if (!extra || !('message' in extra)) return extra ?? {};
    const { message, ...rest } = extra;
    return { ...rest, detail: message };
  };
  return {
    raw,
    ...redactingLogger({
      info: (message, extra) => raw.info(message, fields(extra)),
      warn: (message, extra) => raw.warn(message, fields(extra)),
      error: (message, extra) => raw.error(message, fields(extra)),
    }),
  };
}
