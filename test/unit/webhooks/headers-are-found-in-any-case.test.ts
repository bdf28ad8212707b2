import { getHeader } from '../../../shared/webhooks/request.js';
import { webhookErrorOf } from './requests.js';

describe('getHeader', () => {
  test('finds a header whatever the case of its name or of the name asked for', () => {
    const req = { headers: { 'X-GitHub-Event': 'push', 'x-hub-signature-256': 'sha256=ab' } };

    expect(getHeader(req, 'x-github-event')).toBe('push');
    expect(getHeader(req, 'X-Hub-Signature-256')).toBe('sha256=ab');
    expect(getHeader(req, 'X-GitHub-Delivery')).toBeUndefined();
  });

  test('skips headers whose value is undefined', () => {
    expect(
      getHeader({ headers: { 'X-Gitlab-Token': undefined, 'x-gitlab-token': 't' } }, 'X-Gitlab-Token'),
    ).toBe('t');
  });

  test('does not read inherited properties', () => {
    expect(getHeader({ headers: {} }, 'constructor')).toBeUndefined();
    expect(getHeader({ headers: {} }, 'toString')).toBeUndefined();
  });

  test('refuses the same header twice with different values', () => {
    const err = webhookErrorOf(() =>
      getHeader({ headers: { 'X-GitHub-Event': 'push', 'x-github-event': 'ping' } }, 'X-GitHub-Event'),
    );

    expect([err.httpStatus, err.message]).toEqual([400, 'X-GitHub-Event header appears more than once']);
  });
});
