import { canonicalRepoUrl, repoMatchKey } from '../../../../shared/domain/repo-url.js';

describe('the canonical form of a repository URL', () => {
  test.each([
    ['https://GITHUB.com//Org//Repo.git/', 'https://github.com/Org/Repo.git'],
    ['HTTPS://github.com/Org/Repo', 'https://github.com/Org/Repo'],
    ['https://github.com:443/org/repo', 'https://github.com/org/repo'],
    ['http://git.example.com:80/org/repo', 'http://git.example.com/org/repo'],
    ['http://127.0.0.1:8080/repo.git', 'http://127.0.0.1:8080/repo.git'],
    ['https://github.com./org/repo', 'https://github.com/org/repo'],
    ['  https://github.com/org/repo  ', 'https://github.com/org/repo'],
    ['https://charts.jetstack.io/', 'https://charts.jetstack.io'],
    ['https://dev.azure.com/org/p/_git/My%20repo', 'https://dev.azure.com/org/p/_git/My%20repo'],
    ['https://git.example.com/t%c3%a9am/repo', 'https://git.example.com/t%C3%A9am/repo'],
    ['https://café.example/repo', 'https://xn--caf-dma.example/repo'],
    ['OCI://Registry.Example.com:443//charts/', 'oci://registry.example.com/charts'],
    ['oci://127.0.0.1:5000/charts', 'oci://127.0.0.1:5000/charts'],
  ])('%j is stored as %j (path case kept: it is fetched as written)', (url, canonical) => {
    expect(canonicalRepoUrl(url)).toBe(canonical);
    expect(canonicalRepoUrl(canonical)).toBe(canonical);
  });

  test('matching ignores the case of the path and a .git suffix, as GitHub and GitLab do', () => {
    const keys = [
      'https://github.com/Org/Repo.git',
      'https://github.com/org/repo',
      'https://GitHub.com/ORG/REPO/',
      'https://github.com//org/repo.git',
    ].map(repoMatchKey);
    expect(new Set(keys)).toEqual(new Set(['https://github.com/org/repo']));
  });

  test('scheme, host and port still tell repositories apart', () => {
    expect(repoMatchKey('http://github.com/org/repo')).not.toBe(repoMatchKey('https://github.com/org/repo'));
    expect(repoMatchKey('https://github.com:8443/org/repo')).not.toBe(
      repoMatchKey('https://github.com/org/repo'),
    );
    expect(repoMatchKey('https://github.com.evil.net/org/repo')).not.toBe(
      repoMatchKey('https://github.com/org/repo'),
    );
  });
});
