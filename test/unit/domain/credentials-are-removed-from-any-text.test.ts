import {
  forgetRegisteredSecrets,
  redact,
  redactDeep,
  registerSecret,
} from '../../../shared/domain/redact.js';

// Attacker-shaped inputs: what git, helm, kustomize and HTTP clients print when a credential rides
// along, and what a hostile repo can make them print.
const token = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
const pem = [
  '-----BEGIN RSA PRIVATE KEY-----',
  'MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MaKxVHsJ9yPoLQyK',
  'kQm9xT2dNvR2Zy3MzKcM0dLcM3l3yqFyE2oIuPjQw0n3vL7o5k5h6p0q1r2s3t4u',
  '-----END RSA PRIVATE KEY-----',
].join('\n');

afterEach(() => forgetRegisteredSecrets());

describe('redact', () => {
  test.each([
    ['userinfo in a URL', `fatal: unable to access 'https://deploy:${token}@github.com/org/repo.git/': 403`],
    [
      'a token alone as userinfo',
      `Error: looks like "https://${token}@github.com/org/repo" is not a valid chart repository`,
    ],
    ['an @ inside the password', 'Error: https://u:p@ss-w0rd-hunter2@host/x failed'],
    ['a user:password without scheme', 'clone deploy:hunter2-s3cr3t@git.example.com failed'],
    [
      'a GitLab token in the query',
      'GET https://gitlab.example.com/api/v4/x?ref=main&private_token=hunter2-s3cr3t failed',
    ],
    [
      'a signed URL',
      'Error: https://b.s3.amazonaws.com/c.tgz?X-Amz-Credential=AKIAXXX%2Fhunter2-s3cr3t&X-Amz-Signature=hunter2-s3cr3t',
    ],
    [
      'helm --debug printing a Basic header',
      'DEBUG: GET /index.yaml\nAuthorization: Basic ZGVwbG95Omh1bnRlcjItczNjcjN0\nUser-Agent: Helm/3',
    ],
    ['a Bearer header in JSON', '{"headers":{"authorization":"Bearer hunter2-s3cr3t.token"}}'],
    ['a Basic credential in prose', 'retrying with Basic ZGVwbG95Omh1bnRlcjItczNjcjN0 after 401'],
    ['a password assignment', 'kustomize: env file: DB_PASSWORD=hunter2-s3cr3t, line 3'],
    ['a YAML secret value', 'client_secret: "hunter2-s3cr3t"'],
    ['a GitHub token shape', `remote: Invalid username or password ${token}.`],
    [
      'a service-account JWT',
      'token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2EifQ.aHVudGVyMi1zM2NyM3Q rejected',
    ],
  ])('%s is removed', (_what, text) => {
    const out = redact(text);
    expect(out).not.toContain('hunter2-s3cr3t');
    expect(out).not.toContain('ZGVwbG95Omh1bnRlcjItczNjcjN0');
    expect(out).not.toContain('aHVudGVyMi1zM2NyM3Q');
    expect(out).not.toContain(token);
    expect(out).not.toContain('p@ss-w0rd');
    expect(out).not.toBe(text);
  });

  test('userinfo goes and the URL stays readable', () => {
    expect(redact(`fatal: unable to access 'https://deploy:${token}@github.com/org/repo.git/': 403`)).toBe(
      "fatal: unable to access 'https://github.com/org/repo.git/': 403",
    );
    expect(redact('GET https://h/x?ref=main&private_token=abcd1234 failed')).toBe(
      'GET https://h/x?ref=main&private_token=[redacted] failed',
    );
  });

  test('a PEM private key is removed whole, cut short, or cut at its start', () => {
    const body = pem.split('\n').slice(1, 3);
    for (const text of [
      `helm: bad key:\n${pem}\nexit 1`,
      `stderr: ${pem.split('\n').slice(0, 3).join('\n')}`,
      `${body.join('\n')}\n-----END RSA PRIVATE KEY-----\nexit 1`,
    ]) {
      const out = redact(text);
      for (const line of body) expect(out).not.toContain(line);
    }
    expect(redact(`a\n${pem}\nexit 1`)).toBe(
      'a\n-----BEGIN RSA PRIVATE KEY-----[redacted]-----END RSA PRIVATE KEY-----\nexit 1',
    );
  });

  test('a registered secret is removed anywhere, also base64-, URL- and JSON-encoded', () => {
    const secret = 'Zx9"q/w+e r%t';
    registerSecret(secret);
    for (const form of [
      secret,
      encodeURIComponent(secret),
      JSON.stringify(secret).slice(1, -1),
      Buffer.from(secret).toString('base64').replace(/=+$/, ''),
    ]) {
      expect(redact(`before${form}after`)).toBe('before[redacted]after');
    }
  });

  test('values too short to be secrets are not registered', () => {
    registerSecret('ok');
    registerSecret(undefined);
    expect(redact('ok, fine')).toBe('ok, fine');
  });

  test('ordinary messages are left as they are', () => {
    for (const text of [
      'Deployment/web/api apply failed: spec.replicas: Invalid value: -1',
      'git fetch from https://github.com/org/repo.git: authentication failed (HTTP 401)',
      'helm template of charts/web failed: Error: template: web/templates/a.yaml:3:7: bad',
      'App/web lease lost: token 7 of holder worker-1 is no longer current; nothing was written',
      'Bearer authentication is required',
      'https://host/x.git?ref=main',
      'superseded by 0123456789abcdef0123456789abcdef01234567, which is newer and already deployed',
    ])
      expect(redact(text)).toBe(text);
  });

  test('redacting twice changes nothing more', () => {
    const text = `Authorization: Basic ZGVwbG95Omh1bnRlcjI= https://u:p@h/x?token=abc ${pem} password=hunter2`;
    const once = redact(text);
    expect(redact(once)).toBe(once);
  });

  test('redactDeep removes credentials from every string of a document, keeping its shape', () => {
    registerSecret('cluster-token-value-1234');
    const doc = {
      message: 'GET https://u:hunter2-s3cr3t@h/x failed',
      results: [{ message: 'denied for cluster-token-value-1234', action: 'failed' }],
      count: 3,
      error: new Error('Bearer cluster-token-value-1234'),
    };
    expect(redactDeep(doc)).toEqual({
      message: 'GET https://h/x failed',
      results: [{ message: 'denied for [redacted]', action: 'failed' }],
      count: 3,
      error: 'Bearer [redacted]',
    });
  });
});
