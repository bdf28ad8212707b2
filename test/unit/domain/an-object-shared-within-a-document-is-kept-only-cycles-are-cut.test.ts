import { redactDeep } from '../../../shared/domain/redact.js';

describe('redactDeep on shared and cyclic objects', () => {
  test("an object met twice (an app's health is its worst resource's) is kept both times", () => {
    const health = { status: 'Healthy' };
    const status = { health, resources: [{ name: 'a', health }] };
    expect(redactDeep(status)).toEqual({
      health: { status: 'Healthy' },
      resources: [{ name: 'a', health: { status: 'Healthy' } }],
    });
  });

  test('a cycle is cut where it closes', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    expect(redactDeep(a)).toEqual({ name: 'a', self: '[cut]' });
  });
});
