import { jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { Authenticator } from '../../../shared/auth/authenticate.js';
import { Rbac } from '../../../shared/auth/rbac.js';
import { startApiBed, type ApiBed } from './api-bed.js';

const policyCsv = readFileSync(new URL('../../fixtures/auth/policy.csv', import.meta.url), 'utf8');

function application(name: string, project: string) {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name },
    spec: {
      project,
      source: { repoURL: 'https://git.example.com/org/apps.git', path: name, targetRevision: 'HEAD' },
      destination: { name: 'prod', namespace: name },
    },
  };
}

type Page = { items: { name: string }[]; next?: string };

describe('the app list pages by name, and a page reads only as far as it goes', () => {
  let bed: ApiBed;
  /** Visibility checks the API asked the RBAC for. */
  let checks = 0;
  const names = Array.from({ length: 60 }, (_, i) => `app-${String(i).padStart(2, '0')}`);

  const as = async (token: string, path: string) => {
    const res = await bed.app.request(path, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as Page;
  };
  /** Every page from the first, with the cursors as the API gave them. */
  const allPages = async (token: string, limit: number) => {
    const pages: Page[] = [];
    let cursor: string | undefined;
    do {
      const page = await as(
        token,
        `/api/v1/apps?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      pages.push(page);
      cursor = page.next;
    } while (cursor && pages.length < 100);
    return pages;
  };

  beforeAll(async () => {
    const rbac = await Rbac.create({ policyCsv });
    const counted = new Proxy(rbac, {
      get: (target, key, receiver) =>
        key === 'can'
          ? (...args: Parameters<Rbac['can']>) => (checks++, target.can(...args))
          : Reflect.get(target, key, receiver),
    });
    bed = startApiBed({
      access: {
        authenticator: new Authenticator({
          adminToken: 'api-token',
          bearer: [
            {
              identify: async (t) =>
                t === 'alice-token'
                  ? { subject: 'alice', groups: ['team-a'], method: 'oidc-bearer' }
                  : undefined,
            },
          ],
        }),
        rbac: async () => counted,
      },
    });
    // Registered out of order; every third app is team-a's, the rest team-b's.
    for (const [i, name] of [...names].reverse().entries())
      expect(
        (await bed.call('POST', '/api/v1/apps', application(name, (59 - i) % 3 === 0 ? 'team-a' : 'team-b')))
          .status,
      ).toBe(201);
  });
  afterAll(() => bed.close());

  test('pages of 7 hold every app once, in name order, and the last page has no cursor', async () => {
    const pages = await allPages('api-token', 7);

    expect(pages.map((p) => p.items.length)).toEqual([7, 7, 7, 7, 7, 7, 7, 7, 4]);
    expect(pages.flatMap((p) => p.items.map((a) => a.name))).toEqual(names);
    expect(pages.at(-1)!.next).toBeUndefined();
  });

  test('listing every app page by page checks each app about once, not once per page', async () => {
    checks = 0;
    const pages = await allPages('api-token', 5);

    expect(pages).toHaveLength(12);
    // 60 apps and, per page, the next visible app after it. Checking all apps per page was 720.
    expect(checks).toBeLessThanOrEqual(60 + 12);
  });

  test('without a catalog in memory (the Lambda API), each page reads the store only as far as it goes', async () => {
    const after = jest.spyOn(bed.store, 'listAppsAfter');
    const all = jest.spyOn(bed.store, 'listApps');
    try {
      const pages = await allPages('api-token', 5);
      const read = await Promise.all(after.mock.results.map((r) => r.value as Promise<unknown[]>));

      expect(pages.flatMap((p) => p.items.map((a) => a.name))).toEqual(names);
      expect(all).not.toHaveBeenCalled();
      // Each page reads itself and the next app: 12 × 6, where reading every app per page was 720.
      expect(read.reduce((n, apps) => n + apps.length, 0)).toBeLessThanOrEqual(12 * 6);
    } finally {
      after.mockRestore();
      all.mockRestore();
    }
  });

  test('a cursor naming no possible app is refused with 400, naming the cursor', async () => {
    for (const name of [
      'x'.repeat(5_000),
      '../../etc',
      'App-UPPER',
      "a'; DROP TABLE apps;--",
      '',
      'a\u0000b',
    ]) {
      const cursor = Buffer.from(`after:${name}`).toString('base64url');
      const res = await bed.app.request(`/api/v1/apps?cursor=${cursor}`, {
        headers: { authorization: 'Bearer api-token' },
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ detail: expect.stringContaining('cursor') });
    }
  });

  test('a caller who sees some apps gets full pages of those, and no empty page at the end', async () => {
    const pages = await allPages('alice-token', 4);
    const visible = names.filter((_, i) => i % 3 === 0);

    expect(pages.flatMap((p) => p.items.map((a) => a.name))).toEqual(visible);
    expect(pages.map((p) => p.items.length)).toEqual([4, 4, 4, 4, 4]);
    expect(pages.at(-1)!.next).toBeUndefined();
  });

  test('apps added or deleted between pages neither repeat nor skip the apps after the cursor', async () => {
    const first = await as('api-token', '/api/v1/apps?limit=10');
    expect(first.items.at(-1)!.name).toBe('app-09');
    // Two in, one out, all before the cursor: an offset would now give app-09 again.
    for (const added of ['app-00a', 'app-00b'])
      expect((await bed.call('POST', '/api/v1/apps', application(added, 'team-b'))).status).toBe(201);
    await bed.store.deleteApp('app-03');

    const second = await as('api-token', `/api/v1/apps?limit=10&cursor=${encodeURIComponent(first.next!)}`);

    expect(second.items.map((a) => a.name)).toEqual(names.slice(10, 20));
  });

  test('a cursor from before names (an offset) is still read, and a made-up one starts after its text', async () => {
    const legacy = Buffer.from('50').toString('base64url');
    const fromOffset = await as('api-token', `/api/v1/apps?limit=3&cursor=${legacy}`);
    expect(fromOffset.items).toHaveLength(3);

    const madeUp = Buffer.from('after:app-5').toString('base64url');
    const after = await as('api-token', `/api/v1/apps?limit=3&cursor=${madeUp}`);
    expect(after.items.map((a) => a.name)).toEqual(['app-50', 'app-51', 'app-52']);

    for (const offset of ['-5', '1.5', '1e400', '99999', ' '])
      expect(
        await as('api-token', `/api/v1/apps?limit=3&cursor=${Buffer.from(offset).toString('base64url')}`),
      ).toEqual(expect.objectContaining({ items: expect.any(Array) }));
    const garbage = await bed.app.request('/api/v1/apps?cursor=%00%ff-not-base64', {
      headers: { authorization: 'Bearer api-token' },
    });
    expect(garbage.status).toBe(200);
  });
});
