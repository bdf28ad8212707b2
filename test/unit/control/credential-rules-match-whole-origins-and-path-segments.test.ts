import { RepoUrlError } from '../../../shared/domain/repo-url.js';
import { repoCredentialsResolver } from '../../../shared/control/repo-credentials.js';

const secrets = {
  get: async (name: string) => ({ 'git/example': 'example-token', 'git/payments': 'payments-token' })[name],
};

const resolve = repoCredentialsResolver(
  [
    { urlPrefix: 'https://git.example.com', secret: 'git/example' },
    { urlPrefix: 'https://git.example.com/Payments/', secret: 'git/payments' },
  ],
  secrets,
);

const tokenFor = async (url: string) => (await resolve(url))?.password;

describe('repository credential rules', () => {
  test('send a token only to the exact origin of the rule', async () => {
    expect(await tokenFor('https://git.example.com/team/app.git')).toBe('example-token');
    expect(await tokenFor('https://GIT.example.com./team/app')).toBe('example-token');
    // Raw string prefixes of the rule, but other hosts, ports or schemes.
    expect(await tokenFor('https://git.example.com.evil.net/x')).toBeUndefined();
    expect(await tokenFor('https://git.example.company/x')).toBeUndefined();
    expect(await tokenFor('https://git.example.com:8443/team/app')).toBeUndefined();
    expect(await tokenFor('http://git.example.com/team/app')).toBeUndefined();
  });

  test('never for a URL whose userinfo moves the host, or that is not canonical', async () => {
    expect(await tokenFor('https://git.example.com@evil.net/')).toBeUndefined();
    expect(await tokenFor('https://git.example.com:x@evil.net/team/app')).toBeUndefined();
    expect(await tokenFor('https://git.example.com/payments/../../evil.net/x')).toBeUndefined();
    expect(await tokenFor('https://git.example.com/team/app?next=https://evil.net')).toBeUndefined();
  });

  test('match the rule path as whole segments, the longest rule winning', async () => {
    expect(await tokenFor('https://git.example.com/payments/api.git')).toBe('payments-token');
    expect(await tokenFor('https://git.example.com/Payments')).toBe('payments-token');
    // `payments` is not a segment of `payments-evil`: the broader rule applies, not the narrower.
    expect(await tokenFor('https://git.example.com/payments-evil/api')).toBe('example-token');
  });

  test('a rule that is not a canonical URL is refused when the resolver is built', () => {
    expect(() =>
      repoCredentialsResolver([{ urlPrefix: 'https://user:pw@git.example.com', secret: 's' }], secrets),
    ).toThrow(RepoUrlError);
    expect(() => repoCredentialsResolver([{ urlPrefix: 'git.example.com', secret: 's' }], secrets)).toThrow(
      'repository credential rule 0 (secret s): repository URL "git.example.com"',
    );
  });
});
