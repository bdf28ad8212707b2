// A proxy on loopback in front of the test bed's git server that counts what git clients ask it:
// ref listings (ls-remote: protocol v2 `command=ls-refs`) and fetches (`command=fetch`, or a v0/v1
// upload-pack request with wants). Tests and benchmarks point apps at its URL and read the counts
// from the wire, not from Gitferry's own counters.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface GitRequestCounts {
  /** GET …/info/refs (every ls-remote and every fetch begins with one). */
  advertisements: number;
  /** POST …/git-upload-pack listing refs (ls-remote). */
  lsRefs: number;
  /** POST …/git-upload-pack asking for objects (a fetch). */
  fetches: number;
}

export interface GitRequestCounter {
  /** Base URL: `${url}/<repo>.git` reaches the test bed's repository. */
  url: string;
  counts: () => GitRequestCounts;
  close: () => Promise<void>;
}

export async function startGitRequestCounter(target: string): Promise<GitRequestCounter> {
  const to = new URL(target);
  const counts: GitRequestCounts = { advertisements: 0, lsRefs: 0, fetches: 0 };
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      const path = (req.url ?? '').split('?')[0]!;
      if (req.method === 'GET' && path.endsWith('/info/refs')) counts.advertisements++;
      if (req.method === 'POST' && path.endsWith('/git-upload-pack')) {
        const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString(
          'latin1',
        );
        if (text.includes('command=ls-refs')) counts.lsRefs++;
        else if (text.includes('command=fetch') || /want [0-9a-f]{40}/.test(text)) counts.fetches++;
      }
      const upstream = request(
        {
          host: to.hostname,
          port: to.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: to.host },
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts: () => ({ ...counts }),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
