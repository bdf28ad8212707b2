// Git's smart-HTTP fetch (protocol v0/v1, gitprotocol-http(5) and gitprotocol-pack(5)), the part
// Gitferry needs: list a repository's refs, and ask for one object (a commit, or a ref's tip) to a
// given depth. Written here rather than through isomorphic-git's fetch because that fetch
// resolves the server's HEAD after every fetch (a HEAD naming a missing branch fails it, whatever
// was asked for) and reports a refused want as a missing object. Here the server's refusal is
// read as a refusal, HEAD is never needed, and every ref the server advertises (refs/pull/N/head,
// annotated tags with their peeled commits) can be asked for.
import type { HttpClient } from 'isomorphic-git';
import { SourceError } from './errors.js';
import { redactUrl } from './url-guard.js';

/** The refs a server advertises: name → object id, tags also with the commit they peel to. */
export interface RefAdvertisement {
  refs: Map<string, string>;
  /** Annotated tags: tag ref name → the object id it peels to (the `^{}` lines). */
  peeled: Map<string, string>;
  capabilities: Set<string>;
}

/** The server answered a want with `ERR` (`not our ref`: missing, or not served by SHA). */
export class WantRefusedError extends SourceError {
  override name = 'WantRefusedError';
}

const flush = Symbol('flush');
type Pkt = Buffer | typeof flush;

/** Reads pkt-lines (4 hex digits of length, then the payload; `0000` is a flush) from a buffer. */
class PktReader {
  pos = 0;
  constructor(
    private readonly buf: Buffer,
    private readonly what: string,
  ) {}
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  next(): Pkt {
    const head = this.buf.toString('latin1', this.pos, this.pos + 4);
    if (!/^[0-9a-f]{4}$/i.test(head))
      throw this.bad(`"${head.replace(/[^\x20-\x7e]/g, '?')}" is not a pkt-line length`);
    const len = Number.parseInt(head, 16);
    if (len === 0 || len === 1 || len === 2) {
      // flush (0000), delim (0001) and response-end (0002) all close a section here.
      this.pos += 4;
      return flush;
    }
    if (len < 4 || this.pos + len > this.buf.length) throw this.bad('a pkt-line runs past the answer');
    const payload = this.buf.subarray(this.pos + 4, this.pos + len);
    this.pos += len;
    return payload;
  }
  /** The next line as text without its newline, or undefined for a flush. */
  line(): string | undefined {
    const p = this.next();
    return p === flush ? undefined : p.toString('utf8').replace(/\n$/, '');
  }
  rest(): Buffer {
    return this.buf.subarray(this.pos);
  }
  private bad(why: string): SourceError {
    return new SourceError(
      'source:bad-protocol',
      `${this.what}: the server's answer is not git's protocol (${why})`,
    );
  }
}

function pktLine(text: string): string {
  return `${(text.length + 4).toString(16).padStart(4, '0')}${text}`;
}

async function readAll(body: AsyncIterableIterator<Uint8Array> | undefined): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  if (body) for await (const part of body) parts.push(part);
  return Buffer.concat(parts);
}

function statusError(what: string, url: string, status: number, message: string): SourceError {
  const why =
    status === 401 || status === 403
      ? `authentication failed (HTTP ${status})`
      : status === 404
        ? 'repository not found (HTTP 404)'
        : `HTTP ${status}${message ? ` ${message}` : ''}`;
  return new SourceError('source:fetch-failed', `${what} ${redactUrl(url)}: ${why}`);
}

const base = (repoURL: string) => repoURL.replace(/\/+$/, '');

/** GET info/refs: every ref the server serves (no HEAD needed, none is resolved). */
export async function advertisedRefs(http: HttpClient, repoURL: string): Promise<RefAdvertisement> {
  const url = `${base(repoURL)}/info/refs?service=git-upload-pack`;
  const what = 'listing the refs of';
  const res = await http.request({
    url,
    method: 'GET',
    headers: { accept: '*/*', 'user-agent': 'git/gitferry' },
  });
  const body = await readAll(res.body);
  if (res.statusCode !== 200) throw statusError(what, repoURL, res.statusCode, res.statusMessage);
  const type = Object.entries(res.headers ?? {}).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '';
  if (!type.startsWith('application/x-git-upload-pack-advertisement'))
    throw new SourceError(
      'source:fetch-failed',
      `${what} ${redactUrl(repoURL)}: the server does not speak git's smart HTTP (content type ${JSON.stringify(type.slice(0, 80))})`,
    );
  const reader = new PktReader(body, `${what} ${redactUrl(repoURL)}`);
  const ad: RefAdvertisement = { refs: new Map(), peeled: new Map(), capabilities: new Set() };
  let first = reader.line();
  if (first?.startsWith('# service=')) {
    reader.line(); // the flush after the service line
    first = reader.line();
  }
  for (let line = first, n = 0; line !== undefined && !reader.done; line = reader.line(), n++) {
    let text = line;
    if (n === 0) {
      const nul = text.indexOf('\0');
      if (nul >= 0) {
        for (const c of text.slice(nul + 1).split(' ')) if (c) ad.capabilities.add(c);
        text = text.slice(0, nul);
      }
    }
    if (text.startsWith('ERR '))
      throw new SourceError('source:fetch-failed', `${what} ${redactUrl(repoURL)}: ${text}`);
    const m = /^([0-9a-f]{40}) (.+)$/.exec(text);
    if (!m) continue;
    const [, oid, name] = m as unknown as [string, string, string];
    if (name === 'capabilities^{}') continue; // an empty repository
    if (name.endsWith('^{}')) ad.peeled.set(name.slice(0, -3), oid);
    else ad.refs.set(name, oid);
  }
  return ad;
}

export interface UploadPackRequest {
  want: string;
  /** Commits of history to fetch from the want (1: the commit alone). */
  depth: number;
  capabilities: Set<string>;
}

/**
 * POST git-upload-pack for one want at a depth, with no haves: the answer is the pack. A want the
 * server refuses (`ERR upload-pack: not our ref …`) throws WantRefusedError.
 */
export async function uploadPack(http: HttpClient, repoURL: string, req: UploadPackRequest): Promise<Buffer> {
  const what = `fetching ${req.want} of ${redactUrl(repoURL)}`;
  if (!req.capabilities.has('shallow'))
    throw new SourceError('source:fetch-failed', `${what}: the server does not offer shallow fetches`);
  const sideband = req.capabilities.has('side-band-64k');
  const caps = [sideband ? 'side-band-64k' : '', 'ofs-delta', 'shallow', 'no-progress', 'agent=git/gitferry']
    .filter((c) => c && (c.startsWith('agent=') || req.capabilities.has(c)))
    .join(' ');
  const requestBody = Buffer.from(
    `${pktLine(`want ${req.want} ${caps}\n`)}${pktLine(`deepen ${req.depth}\n`)}0000${pktLine('done\n')}`,
    'latin1',
  );
  const res = await http.request({
    url: `${base(repoURL)}/git-upload-pack`,
    method: 'POST',
    headers: {
      'content-type': 'application/x-git-upload-pack-request',
      accept: 'application/x-git-upload-pack-result',
      'user-agent': 'git/gitferry',
    },
    body: (async function* () {
      yield requestBody;
    })(),
  });
  const body = await readAll(res.body);
  if (res.statusCode !== 200) throw statusError('fetching from', repoURL, res.statusCode, res.statusMessage);
  const reader = new PktReader(body, what);
  const refused = (line: string) =>
    new WantRefusedError(
      'source:want-refused',
      `${what}: the server refused the want: ${line.slice(4).trim()}`,
    );
  // The shallow section (our deepen), up to a flush; then NAK (no haves were sent).
  for (;;) {
    const line = reader.line();
    if (line === undefined) break;
    if (line.startsWith('ERR ')) throw refused(line);
    if (!/^(shallow|unshallow) [0-9a-f]{40}$/.test(line))
      throw new SourceError(
        'source:bad-protocol',
        `${what}: unexpected "${line.slice(0, 80)}" in the shallow list`,
      );
  }
  const ack = reader.line();
  if (ack?.startsWith('ERR ')) throw refused(ack);
  if (ack !== 'NAK' && !ack?.startsWith('ACK '))
    throw new SourceError(
      'source:bad-protocol',
      `${what}: expected NAK, the server sent "${String(ack).slice(0, 80)}"`,
    );
  if (!sideband) return reader.rest();
  const pack: Buffer[] = [];
  while (!reader.done) {
    const p = reader.next();
    if (p === flush) break;
    const band = p[0];
    if (band === 1) pack.push(p.subarray(1));
    else if (band === 3)
      throw new SourceError(
        'source:fetch-failed',
        `${what}: the server failed: ${p.subarray(1).toString('utf8').trim().slice(0, 300)}`,
      );
    else if (band !== 2 && p.toString('latin1').startsWith('ERR ')) throw refused(p.toString('utf8'));
  }
  return Buffer.concat(pack);
}
