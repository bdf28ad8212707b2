import { BranchHeadCache } from '../../../../shared/source/head-cache.js';

const url = 'https://git.example.com/org/apps.git';
const sha = (n: number) => String(n).padStart(40, '0');

/** A git server stand-in: each lookup answers the head at the time it is answered, when released. */
function server() {
  let head = sha(1);
  const waiting: (() => void)[] = [];
  let held = false;
  const calls: { url: string; rev: string | undefined; password?: string }[] = [];
  return {
    calls,
    push: (n: number) => void (head = sha(n)),
    hold: () => void (held = true),
    release: () => {
      held = false;
      for (const w of waiting.splice(0)) w();
    },
    lookup: async (u: string, rev: string | undefined, http?: { credentials?: { password: string } }) => {
      calls.push({ url: u, rev, password: http?.credentials?.password });
      const seenAt = head;
      if (held) await new Promise<void>((r) => waiting.push(r));
      return seenAt;
    },
  };
}

describe('branch heads are shared by the apps of a process, but never older than the push', () => {
  test('a thousand concurrent asks for one branch make one lookup', async () => {
    const git = server();
    let now = 1_000;
    const heads = new BranchHeadCache({ lookup: git.lookup, now: () => now });
    git.hold();
    const answers = Array.from({ length: 1000 }, () => heads.resolve(url, 'main', {}, 1_000));
    git.release();
    expect(new Set(await Promise.all(answers))).toEqual(new Set([sha(1)]));
    expect(git.calls).toHaveLength(1);
    // Within the TTL, callers without a request time reuse it; after it, they ask again.
    now += 5_000;
    await heads.resolve(url, 'main');
    expect(git.calls).toHaveLength(1);
    now += 10_000;
    await heads.resolve(url, 'main');
    expect(git.calls).toHaveLength(2);
    expect(heads.stats()).toEqual({ requests: 1002, lookups: 2 });
  });

  test('a request made after the cached lookup started is answered by a new lookup, which sees the push', async () => {
    const git = server();
    let now = 1_000;
    const heads = new BranchHeadCache({ lookup: git.lookup, now: () => now });
    expect(await heads.resolve(url, 'main')).toBe(sha(1));
    now += 100;
    git.push(2);
    const pushedAt = now;
    now += 100;
    // Within the TTL, but the push was taken in after the cached lookup started.
    expect(await heads.resolve(url, 'main', {}, pushedAt)).toBe(sha(2));
    expect(git.calls).toHaveLength(2);
    // Every later app woken by the same push shares that second lookup.
    expect(await heads.resolve(url, 'main', {}, pushedAt)).toBe(sha(2));
    expect(git.calls).toHaveLength(2);
  });

  test('a lookup in flight that started before the push is not joined', async () => {
    const git = server();
    let now = 1_000;
    const heads = new BranchHeadCache({ lookup: git.lookup, now: () => now });
    git.hold();
    const early = heads.resolve(url, 'main');
    now += 10;
    git.push(2);
    const late = heads.resolve(url, 'main', {}, now);
    git.release();
    expect(await early).toBe(sha(1));
    expect(await late).toBe(sha(2));
    // The newer lookup is what is kept, though the older one answered last.
    expect(await heads.resolve(url, 'main')).toBe(sha(2));
    expect(git.calls).toHaveLength(2);
  });

  test('Infinity asks the server again whatever is cached', async () => {
    const git = server();
    const heads = new BranchHeadCache({ lookup: git.lookup, now: () => 1_000 });
    await heads.resolve(url, 'main');
    await heads.resolve(url, 'main', {}, Number.POSITIVE_INFINITY);
    expect(git.calls).toHaveLength(2);
  });

  test('a failed lookup is not kept', async () => {
    let fail = true;
    let calls = 0;
    const heads = new BranchHeadCache({
      now: () => 1_000,
      lookup: async () => {
        calls++;
        if (fail) throw new Error('HTTP 500');
        return sha(3);
      },
    });
    await expect(heads.resolve(url, 'main')).rejects.toThrow('HTTP 500');
    fail = false;
    expect(await heads.resolve(url, 'main')).toBe(sha(3));
    expect(calls).toBe(2);
  });

  test('another branch, another spelling of the URL, other credentials or another guard is another lookup', async () => {
    const git = server();
    const heads = new BranchHeadCache({ lookup: git.lookup, now: () => 1_000 });
    await heads.resolve(url, 'main');
    await heads.resolve(url, 'dev');
    await heads.resolve(url.replace('/org/', '/Org/'), 'main');
    await heads.resolve(url, 'main', { credentials: { password: 'team-a-token' } });
    await heads.resolve(url, 'main', { credentials: { password: 'team-b-token' } });
    await heads.resolve(url, 'main', { guard: { allowedHosts: ['127.0.0.1/32'] } });
    expect(git.calls).toHaveLength(6);
    // The lookups went out with the caller's own credentials.
    expect(git.calls.map((c) => c.password)).toEqual([
      undefined,
      undefined,
      undefined,
      'team-a-token',
      'team-b-token',
      undefined,
    ]);
    // Equal asks are shared.
    await heads.resolve(url, 'main', { credentials: { password: 'team-a-token' } });
    expect(git.calls).toHaveLength(6);
  });

  test('a commit SHA needs no lookup, and the cache holds to its size', async () => {
    const git = server();
    const heads = new BranchHeadCache({ lookup: git.lookup, now: () => 1_000, maxEntries: 3 });
    expect(await heads.resolve(url, sha(9))).toBe(sha(9));
    expect(git.calls).toHaveLength(0);
    for (const b of ['a', 'b', 'c', 'd']) await heads.resolve(url, b);
    await heads.resolve(url, 'a'); // the least recently used, forgotten
    await heads.resolve(url, 'd');
    expect(git.calls.map((c) => c.rev)).toEqual(['a', 'b', 'c', 'd', 'a']);
  });
});
