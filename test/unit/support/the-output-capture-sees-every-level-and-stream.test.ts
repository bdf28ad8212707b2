import { randomBytes } from 'node:crypto';
import { functionLogger } from '../../../functions/logger.js';
import { forgetRegisteredSecrets, registerSecret } from '../../../shared/domain/redact.js';
import { redactingLogger } from '../../../shared/ports/logger.js';
import { captureOutput, type CapturedOutput } from '../../support/capture-output.js';

// The no-leak tests search captured output for secrets. They prove something only if a secret
// printed anywhere would be seen: here a canary goes through every stream and level, and is found.
const canary = () => `canary${randomBytes(6).toString('hex')}`;

let capture: CapturedOutput;
beforeEach(() => {
  capture = captureOutput({ echo: false });
});
afterEach(() => {
  capture.restore();
  forgetRegisteredSecrets();
});

describe('the output capture', () => {
  test.each([
    ['console.log', (s: string) => console.log(s)],
    ['console.info', (s: string) => console.info(s)],
    ['console.warn', (s: string) => console.warn(s)],
    ['console.error', (s: string) => console.error(s)],
    ['console.debug', (s: string) => console.debug(s)],
    ['console.trace', (s: string) => console.trace(s)],
    ['process.stdout', (s: string) => process.stdout.write(`${s}\n`)],
    ['process.stderr', (s: string) => process.stderr.write(Buffer.from(`${s}\n`))],
  ])('sees a secret printed with %s', (_how, print) => {
    const secret = canary();
    print(secret);
    expect(capture.text()).toContain(secret);
  });

  test.each(['debug', 'info', 'warn', 'error', 'critical'] as const)(
    'sees a secret the Powertools logger prints at %s',
    (level) => {
      const log = functionLogger('capture-test');
      log.raw.setLogLevel('DEBUG');
      const secret = canary();
      log.raw[level]('printed', { value: secret });
      expect(capture.text()).toContain(secret);
    },
  );
});

describe('the loggers Gitferry uses', () => {
  test.each(['info', 'warn', 'error'] as const)(
    'the function logger takes a known secret out at %s',
    (level) => {
      const log = functionLogger('capture-test');
      const secret = canary();
      registerSecret(secret);
      log[level](`clone failed for ${secret}`, {
        message: `token ${secret}`,
        nested: { url: `https://u:${secret}@h/x` },
      });
      log.raw[level](`raw ${secret}`);
      expect(capture.text()).toContain('clone failed for [redacted]');
      expect(capture.text()).not.toContain(secret);
    },
  );

  test.each(['info', 'warn', 'error'] as const)(
    'a redacting console logger takes a known secret out at %s',
    (level) => {
      const lines: string[] = [];
      const log = redactingLogger({
        info: (m, e) => console.log(JSON.stringify({ m, ...e })),
        warn: (m, e) => console.warn(JSON.stringify({ m, ...e })),
        error: (m, e) => console.error(JSON.stringify({ m, ...e })),
      });
      const secret = canary();
      registerSecret(secret);
      log[level](`Authorization: Bearer ${secret}`, { detail: secret, list: [secret] });
      lines.push(capture.text());
      expect(lines.join('')).toContain('[redacted]');
      expect(lines.join('')).not.toContain(secret);
    },
  );
});
