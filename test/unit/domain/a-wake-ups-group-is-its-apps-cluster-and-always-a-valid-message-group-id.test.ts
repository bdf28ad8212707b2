// wakeUpGroup: the fairness tenant of an app's wake-ups, sent to SQS as MessageGroupId. The
// destination comes from a tenant's Application, so any value must give a group SQS accepts
// (1–128 printable ASCII characters, no space) and two destinations must not share one.
import { isWakeUpGroup, wakeUpGroup } from '../../../shared/domain/sync-job.js';

const sqsGroupId = /^[\x21-\x7e]{1,128}$/;
const group = (destination: { name?: string; server?: string }) => wakeUpGroup({ destination });

describe("a wake-up's group", () => {
  test('is the cluster the app names, by name or by server', () => {
    expect(group({ name: 'prod-eu', server: undefined })).toBe('name:prod-eu');
    expect(group({ server: 'https://kubernetes.default.svc' })).toBe('server:https://kubernetes.default.svc');
    // Apps that name their cluster the same way share a group; name and server never collide.
    expect(group({ name: 'https://x' })).not.toBe(group({ server: 'https://x' }));
  });

  test.each([
    ['a server of 2,000 characters', { server: `https://${'a'.repeat(2_000)}.example` }],
    ['a space', { name: 'prod eu' }],
    ['a newline and a NUL', { server: 'https://k8s\n\u0000evil' }],
    ['non-ASCII', { name: 'prod-ü' }],
    ['a right-to-left override', { name: 'prod\u202e' }],
    ['nothing at all', {}],
    ['an empty name', { name: '' }],
  ])('from %s is a valid MessageGroupId', (_, destination) => {
    const g = group(destination);
    expect(g).toMatch(sqsGroupId);
    expect(isWakeUpGroup(g)).toBe(true);
  });

  test('two hostile destinations that differ give different groups', () => {
    const long = `https://${'a'.repeat(300)}`;
    expect(group({ server: `${long}1` })).not.toBe(group({ server: `${long}2` }));
    expect(group({ name: 'a b' })).not.toBe(group({ name: 'a  b' }));
  });

  test('a group read back from a message is checked again before it is used', () => {
    for (const bad of ['', 'a b', 'x'.repeat(129), 'é', 42, undefined, null, { group: 'a' }])
      expect(isWakeUpGroup(bad)).toBe(false);
    expect(isWakeUpGroup('x'.repeat(128))).toBe(true);
  });
});
