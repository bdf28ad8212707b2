import fc from 'fast-check';
import { forgetRegisteredSecrets, redact, redactedMark, registerSecret } from '../../shared/domain/redact.js';
import { fuzzRuns } from '../support/fuzz.js';

// A secret a process holds (a repo token, a cluster token) is registered when read; whatever text
// it ends up in (tool stderr, an error message, a log field), redaction must take it out.
// Secrets share no character with the redaction mark, so the mark itself cannot spell one.
const secretChar = fc.constantFrom(
  ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~+/=:@%!$*'.split(''),
);
const secret = fc
  .array(secretChar, { minLength: 6, maxLength: 48 })
  .map((cs) => cs.join(''))
  .filter((s) => s.trim().length >= 6);
const noise = fc.string({ unit: 'grapheme-ascii', maxLength: 80 });
const encodings = fc.constantFrom<(s: string) => string>(
  (s) => s,
  (s) => encodeURIComponent(s),
  (s) => JSON.stringify(s).slice(1, -1),
  (s) => Buffer.from(s).toString('base64'),
);

afterEach(() => forgetRegisteredSecrets());

describe('redaction of known secrets', () => {
  test('a registered secret inserted anywhere in random text, in any encoding, never survives', () => {
    fc.assert(
      fc.property(
        secret,
        fc.array(noise, { minLength: 1, maxLength: 5 }),
        encodings,
        (value, parts, encode) => {
          forgetRegisteredSecrets();
          registerSecret(value);
          const text = parts.join(encode(value));
          const out = redact(parts.length > 1 ? text : `${text}${encode(value)}`);
          expect(out).not.toContain(value);
          expect(out).not.toContain(encode(value));
        },
      ),
      { numRuns: fuzzRuns() },
    );
  });

  test('an unregistered token in a URL, a query, a header or an assignment never survives', () => {
    const token = fc
      .array(
        fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~'.split('')),
        {
          minLength: 8,
          maxLength: 40,
        },
      )
      .map((cs) => cs.join(''));
    const shape = fc.constantFrom<(t: string) => string>(
      (t) => `https://user:${t}@git.example.com/org/repo.git`,
      (t) => `https://${t}@git.example.com/org/repo.git`,
      (t) => `https://git.example.com/x?ref=main&access_token=${t}`,
      (t) => `Authorization: Bearer ${t}`,
      (t) => `authorization: token ${t}`,
      (t) => `Authorization: Basic ${Buffer.from(`deploy:${t}`).toString('base64')}`,
      (t) => `password=${t}`,
      (t) => `"client_secret": "${t}"`,
    );
    fc.assert(
      fc.property(token, shape, noise, noise, (t, make, before, after) => {
        const out = redact(`${before} ${make(t)}\n${after}`);
        expect(out).not.toContain(`${t}`);
      }),
      { numRuns: fuzzRuns() },
    );
  });

  test('redaction never throws and never grows a text by more than marks', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) => {
        const out = redact(text);
        expect(typeof out).toBe('string');
        expect(out.length).toBeLessThanOrEqual(text.length * (redactedMark.length + 64) + 1);
      }),
      { numRuns: fuzzRuns() },
    );
  });
});
