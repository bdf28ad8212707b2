import fc from 'fast-check';
import { parsePolicyCsv, PolicyError } from '../../shared/auth/policy.js';
import { Rbac } from '../../shared/auth/rbac.js';
import { fuzzRuns } from '../support/fuzz.js';

// Whatever a policy file holds, reading it either fails with a PolicyError or yields rules whose
// fields hold no separator, quote or control character: one line is at most one rule.
const piece = fc.oneof(
  fc.constantFrom(
    'p',
    'g',
    'role:admin',
    'applications',
    'clusters',
    'get',
    'sync',
    '*',
    '*/*',
    'allow',
    'deny',
  ),
  fc.constantFrom(
    ',',
    ', ',
    '"',
    "'",
    '\n',
    '\r',
    '\t',
    '\u0000',
    '\\',
    '#',
    '[',
    '{',
    '}',
    '**',
    'r.sub',
    '||',
    'true',
  ),
  fc.string({ maxLength: 12 }),
);
const line = fc.array(piece, { maxLength: 12 }).map((parts) => parts.join(''));

test('a policy parses into single-line rules with clean fields, or fails with a PolicyError', () => {
  fc.assert(
    fc.property(fc.array(line, { maxLength: 6 }), (lines) => {
      let policy;
      try {
        policy = parsePolicyCsv(lines.join('\n'));
      } catch (err) {
        if (err instanceof PolicyError) return;
        throw err;
      }
      const fields = [
        ...policy.rules.flatMap((r) => [r.subject, r.resource, r.action, r.object, r.effect]),
        ...policy.bindings.flatMap((b) => [b.member, b.role]),
      ];
      for (const f of fields) expect(f).toMatch(/^[^\s",\\\u0000-\u001f\u007f]+$/);
      expect(policy.rules.length + policy.bindings.length).toBeLessThanOrEqual(
        lines.join('\n').split(/\r?\n/).length,
      );
    }),
    { numRuns: fuzzRuns(300) },
  );
});

test('no policy a fuzzer writes for other subjects lets a stranger do anything', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(line, { maxLength: 4 }), async (lines) => {
      let rbac;
      try {
        rbac = await Rbac.create({ policyCsv: lines.join('\n') });
      } catch (err) {
        if (err instanceof PolicyError) return;
        throw err;
      }
      // Only lines naming `stranger` or its group `nobody` could grant it something.
      if (lines.some((l) => l.includes('stranger') || l.includes('nobody'))) return;
      const who = { subject: 'stranger', groups: ['nobody'], method: 'oidc-bearer' as const };
      expect(rbac.can(who, { resource: 'clusters', action: 'delete', object: 'prod' })).toBe(false);
      expect(rbac.can(who, { resource: 'applications', action: 'get', object: 'a/b' })).toBe(false);
    }),
    { numRuns: fuzzRuns(100) },
  );
});
