import { diffObjects } from '../../../../shared/engine/diff.js';
import { fixtureObject } from '../fixtures.js';

// Safety rule 4: Secrets' data never appears in diffs. Every value below is distinctive, so a
// leak in any form (plain or base64) shows up as a substring.
const secretValues = {
  livePassword: 's3cr3t-live-hunter2',
  livePasswordBase64: 'czNjcjN0LWxpdmUtaHVudGVyMg==',
  desiredPassword: 's3cr3t-desired-swordfish',
  desiredPasswordBase64: 'czNjcjN0LWRlc2lyZWQtc3dvcmRmaXNo',
  token: 'tok-unchanged-7Qx9',
  tokenBase64: 'dG9rLXVuY2hhbmdlZC03UXg5',
  apiKey: 'ak-new-key-P4ssw0rd',
  apiKeyBase64: 'YWstbmV3LWtleS1QNHNzdzByZA==',
  extra: 'plain-extra-Zq81',
};

function expectNoSecretValues(text: string): void {
  for (const [name, value] of Object.entries(secretValues)) {
    expect({ name, leaked: text.includes(value) }).toEqual({ name, leaked: false });
  }
}

describe('diffObjects and Secrets', () => {
  test('a changed Secret shows which keys changed but neither the plain nor the base64 values', () => {
    const live = fixtureObject('diff-secret-live.yaml');
    const desired = fixtureObject('diff-secret-desired.yaml');

    const d = diffObjects('Secret/team-a/db-credentials', live, desired);

    expect(d.changed).toBe(true);
    expectNoSecretValues(d.text);
    expect(d.text).toMatch(/^- {2}password: \+\+\+\+\+\+\+\+ \(live\)$/m);
    expect(d.text).toMatch(/^\+ {2}password: \+\+\+\+\+\+\+\+ \(desired\)$/m);
    expect(d.text).toMatch(/^\+ {2}apiKey: \+\+\+\+\+\+\+\+ \(desired\)$/m);
    expect(d.text).toMatch(/^\+ {2}extra: \+\+\+\+\+\+\+\+ \(desired\)$/m);
    // An unchanged key shows the same mask on both sides, so it is context, not a change.
    expect(d.text).toMatch(/^ {3}token: \+\+\+\+\+\+\+\+$/m);
    expect(d.text).not.toMatch(/^[-+] {2}token:/m);
  });

  test('a Secret about to be created shows its keys but not its values', () => {
    const d = diffObjects(
      'Secret/team-a/db-credentials',
      undefined,
      fixtureObject('diff-secret-desired.yaml'),
    );

    expect(d.changed).toBe(true);
    expectNoSecretValues(d.text);
    expect(d.text).toContain('password:');
    expect(d.text).toContain('apiKey:');
  });

  test('a Secret about to be deleted shows its keys but not its values', () => {
    const d = diffObjects('Secret/team-a/db-credentials', fixtureObject('diff-secret-live.yaml'), undefined);

    expect(d.changed).toBe(true);
    expectNoSecretValues(d.text);
    expect(d.text).toContain('token:');
  });

  test('a Secret that changed only in its values is still reported as changed', () => {
    const live = fixtureObject('diff-secret-live.yaml');
    const desired = structuredClone(live);
    (desired.data as Record<string, string>).password = secretValues.desiredPasswordBase64;

    const d = diffObjects('Secret/team-a/db-credentials', live, desired);

    expect(d.changed).toBe(true);
    expectNoSecretValues(d.text);
    expect(d.text).toMatch(/^\+ {2}password: \+\+\+\+\+\+\+\+ \(desired\)$/m);
  });
});
