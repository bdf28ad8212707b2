import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import { advertisedRefs, uploadPack } from '../../../../shared/source/git-upload-pack.js';

// The git server is another party: its answers are read by the protocol's rules, and anything
// else is a clear error, never a hang, a crash or a misread ref.
const pkt = (s: string | Buffer) => {
  const b = typeof s === 'string' ? Buffer.from(s) : s;
  return Buffer.concat([Buffer.from((b.length + 4).toString(16).padStart(4, '0')), b]);
};
const flush = Buffer.from('0000');
const a = 'a'.repeat(40);
const b = 'b'.repeat(40);
const c = 'c'.repeat(40);

function server(
  body: Buffer,
  status = 200,
  type = 'application/x-git-upload-pack-advertisement',
): HttpClient & { sent: GitHttpRequest[] } {
  const sent: GitHttpRequest[] = [];
  return {
    sent,
    async request(req: GitHttpRequest): Promise<GitHttpResponse> {
      const parts: Uint8Array[] = [];
      for await (const p of req.body ?? []) parts.push(p);
      sent.push({
        ...req,
        body: undefined,
        headers: { ...req.headers, body: Buffer.concat(parts).toString('latin1') },
      });
      return {
        url: req.url,
        method: req.method,
        statusCode: status,
        statusMessage: '',
        headers: { 'content-type': type },
        body: (async function* () {
          yield body;
        })(),
      };
    },
  };
}

describe('the ref advertisement', () => {
  test('refs, peeled tags and capabilities, without HEAD', async () => {
    const body = Buffer.concat([
      pkt('# service=git-upload-pack\n'),
      flush,
      pkt(`${a} refs/heads/main\0shallow side-band-64k allow-tip-sha1-in-want\n`),
      pkt(`${b} refs/tags/v1\n`),
      pkt(`${c} refs/tags/v1^{}\n`),
      pkt(`${c} refs/pull/7/head\n`),
      flush,
    ]);
    const ad = await advertisedRefs(server(body), 'https://git.example.com/r.git');
    expect([...ad.refs]).toEqual([
      ['refs/heads/main', a],
      ['refs/tags/v1', b],
      ['refs/pull/7/head', c],
    ]);
    expect([...ad.peeled]).toEqual([['refs/tags/v1', c]]);
    expect([...ad.capabilities]).toEqual(['shallow', 'side-band-64k', 'allow-tip-sha1-in-want']);
  });

  test.each<[string, Buffer, number, string, RegExp]>([
    [
      'a dumb server (not smart HTTP)',
      Buffer.from(`${a}\trefs/heads/main\n`),
      200,
      'text/plain',
      /does not speak git's smart HTTP/,
    ],
    ['a 401', Buffer.alloc(0), 401, 'text/plain', /authentication failed \(HTTP 401\)/],
    ['a 404', Buffer.alloc(0), 404, 'text/plain', /repository not found \(HTTP 404\)/],
    [
      'a length that is not hex',
      Buffer.from('zzzz# service'),
      200,
      'application/x-git-upload-pack-advertisement',
      /is not git's protocol \("zzzz" is not a pkt-line length\)/,
    ],
    [
      'a pkt-line longer than the answer',
      Buffer.from('ffff0000'),
      200,
      'application/x-git-upload-pack-advertisement',
      /a pkt-line runs past the answer/,
    ],
    [
      'an ERR line',
      Buffer.concat([pkt('ERR access denied: s3cr3t?no\n'), flush]),
      200,
      'application/x-git-upload-pack-advertisement',
      /^listing the refs of https:\/\/git\.example\.com\/r\.git: ERR access denied/,
    ],
  ])('%s is a clear error', async (_what, body, status, type, why) => {
    await expect(advertisedRefs(server(body, status, type), 'https://git.example.com/r.git')).rejects.toThrow(
      why,
    );
  });
});

describe('an upload-pack answer', () => {
  const caps = new Set(['shallow', 'side-band-64k', 'ofs-delta']);
  const ask = (body: Buffer) =>
    uploadPack(server(body), 'https://git.example.com/r.git', { want: a, depth: 3, capabilities: caps });

  test('asks for one want at the depth, and returns the pack from band 1 (progress on band 2 ignored)', async () => {
    const s = server(
      Buffer.concat([
        pkt(`shallow ${a}\n`),
        flush,
        pkt('NAK\n'),
        pkt(Buffer.concat([Buffer.from([2]), Buffer.from('Counting objects\n')])),
        pkt(Buffer.concat([Buffer.from([1]), Buffer.from('PACK')])),
        pkt(Buffer.concat([Buffer.from([1]), Buffer.from('-rest')])),
        flush,
      ]),
    );
    const pack = await uploadPack(s, 'https://git.example.com/r.git', {
      want: a,
      depth: 3,
      capabilities: caps,
    });
    expect(pack.toString()).toBe('PACK-rest');
    expect(s.sent[0]!.headers!.body).toBe(
      `${pkt(`want ${a} side-band-64k ofs-delta shallow agent=git/gitferry\n`).toString()}${pkt('deepen 3\n').toString()}0000${pkt('done\n').toString()}`,
    );
  });

  test("a refused want is a WantRefusedError quoting the server's reason", async () => {
    await expect(ask(Buffer.concat([pkt(`ERR upload-pack: not our ref ${a}\n`)]))).rejects.toMatchObject({
      name: 'WantRefusedError',
      code: 'source:want-refused',
      message: `fetching ${a} of https://git.example.com/r.git: the server refused the want: upload-pack: not our ref ${a}`,
    });
  });

  test.each<[string, Buffer, RegExp]>([
    [
      'a fatal error on band 3',
      Buffer.concat([
        flush,
        pkt('NAK\n'),
        pkt(Buffer.concat([Buffer.from([3]), Buffer.from('fatal: out of memory\n')])),
      ]),
      /the server failed: fatal: out of memory/,
    ],
    [
      'garbage in the shallow list',
      Buffer.concat([pkt('shallow ../../etc\n'), flush]),
      /unexpected "shallow \.\.\/\.\.\/etc" in the shallow list/,
    ],
    ['no NAK', Buffer.concat([flush, pkt('PACK')]), /expected NAK, the server sent "PACK"/],
    ['an answer cut short', Buffer.from('00'), /is not git's protocol/],
  ])('%s is a clear error', async (_what, body, why) => {
    await expect(ask(body)).rejects.toThrow(why);
  });

  test('a server without shallow fetches is refused before asking', async () => {
    const s = server(Buffer.alloc(0));
    await expect(
      uploadPack(s, 'https://git.example.com/r.git', { want: a, depth: 1, capabilities: new Set() }),
    ).rejects.toThrow(/does not offer shallow fetches/);
    expect(s.sent).toEqual([]);
  });
});
