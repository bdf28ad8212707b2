import fc from 'fast-check';
import type { Project } from '../../shared/domain/app.js';
import { canonicalRepoUrl, RepoUrlError } from '../../shared/domain/repo-url.js';
import { destinationPermitted, repoPermitted } from '../../shared/control/project-scope.js';
import { fuzzRuns } from '../support/fuzz.js';

const word = fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,8}$/);
const repoUrl = fc
  .record({
    scheme: fc.constantFrom('https', 'http'),
    host: fc.constantFrom('github.com', 'GitHub.com', 'gitlab.com', 'git.example.com'),
    path: fc.array(word, { minLength: 1, maxLength: 4 }),
    git: fc.boolean(),
  })
  .map((p) => `${p.scheme}://${p.host}/${p.path.join('/')}${p.git ? '.git' : ''}`)
  .filter((u) => {
    try {
      canonicalRepoUrl(u);
      return true;
    } catch (err) {
      if (err instanceof RepoUrlError) return false;
      throw err;
    }
  });

const allowPatterns = fc.array(
  fc.oneof(fc.constant('*'), fc.constant('https://github.com/**'), fc.constant('**'), repoUrl),
  { maxLength: 4 },
);

/** A deny pattern that matches `url`: itself in another spelling, or with segments widened to globs. */
function denyFor(url: string, widen: number, upper: boolean): string {
  const u = new URL(canonicalRepoUrl(url));
  const segments = u.pathname.split('/').filter(Boolean);
  const kept = segments.slice(0, Math.max(0, segments.length - widen));
  const tail = widen === 0 ? '' : widen === 1 ? '/*' : '/**';
  const pattern = `${u.protocol}//${u.host}/${kept.join('/')}${tail}`.replace(/\/\/\*/, '/*');
  return `!${upper ? pattern.toUpperCase() : pattern}`;
}

describe('deny entries (property)', () => {
  test('a sourceRepos deny entry that matches the repository always wins over any allow list', () => {
    fc.assert(
      fc.property(
        repoUrl,
        allowPatterns,
        fc.nat(3),
        fc.boolean(),
        fc.nat(5),
        (url, allows, widen, upper, at) => {
          const segments = new URL(canonicalRepoUrl(url)).pathname.split('/').filter(Boolean).length;
          const deny = denyFor(url, Math.min(widen, segments), upper);
          const sourceRepos = [...allows];
          sourceRepos.splice(at % (sourceRepos.length + 1), 0, deny);
          expect(repoPermitted({ sourceRepos }, url)).toBe(false);
          // The same project without the deny entry is judged by its allows alone.
          expect(repoPermitted({ sourceRepos: [...allows, '*'] }, url)).toBe(true);
        },
      ),
      { numRuns: fuzzRuns(1000) },
    );
  });

  const name = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,10}[a-z0-9])?$/);
  const destination = fc.record(
    { name: fc.oneof(name, fc.constant('*')), namespace: fc.oneof(name, fc.constant('*')) },
    { requiredKeys: [] },
  );

  test('a destinations deny entry that matches the cluster or namespace always wins', () => {
    fc.assert(
      fc.property(
        name,
        name,
        fc.array(destination, { maxLength: 4 }),
        fc.constantFrom('cluster', 'namespace'),
        fc.boolean(),
        (cluster, namespace, allows, which, glob) => {
          const target = which === 'cluster' ? cluster : namespace;
          const pattern = `!${glob ? `${target.slice(0, 1)}*` : target}`;
          const deny: Project['destinations'][number] =
            which === 'cluster' ? { server: pattern, namespace: '*' } : { name: '*', namespace: pattern };
          const destinations = [{ name: '*', namespace: '*' }, ...allows, deny];
          expect(destinationPermitted({ destinations }, cluster, namespace)).toBe(false);
          expect(
            destinationPermitted(
              { destinations: [{ name: '*', namespace: '*' }, ...allows] },
              cluster,
              namespace,
            ),
          ).toBe(true);
        },
      ),
      { numRuns: fuzzRuns(1000) },
    );
  });
});
