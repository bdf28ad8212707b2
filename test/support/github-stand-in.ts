// A GitHub REST API stand-in on loopback for preview tests: it records every request exactly
// (method, path, headers, body) and keeps issue comments, so that listing, creating and editing
// them behave as on GitHub (ids, `user.login`, pages of `per_page`). Statuses and check runs are
// recorded and answered 201.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface StoredComment {
  id: number;
  issue: string;
  body: string;
  user: { login: string };
}

export async function startGitHubStandIn(opts: { login?: string } = {}) {
  const requests: RecordedRequest[] = [];
  const comments: StoredComment[] = [];
  /** The changed files of each PR, as `GET /pulls/{n}/files` lists them. */
  const files = new Map<number, unknown[]>();
  let nextId = 1000;
  const login = opts.login ?? 'gitferry-bot';
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts).toString('utf8');
      const path = req.url ?? '';
      requests.push({ method: req.method ?? '', path, headers: req.headers, body });
      const answer = (status: number, json: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      const url = new URL(path, 'http://stand-in');
      const list = /^\/api\/v3\/repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/.exec(url.pathname);
      const edit = /^\/api\/v3\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/.exec(url.pathname);
      const pullFiles = /^\/api\/v3\/repos\/[^/]+\/[^/]+\/pulls\/(\d+)\/files$/.exec(url.pathname);
      if (pullFiles && req.method === 'GET') {
        const perPage = Number(url.searchParams.get('per_page') ?? 30);
        const page = Number(url.searchParams.get('page') ?? 1);
        const all = files.get(Number(pullFiles[1])) ?? [];
        return answer(200, all.slice((page - 1) * perPage, page * perPage));
      }
      if (list && req.method === 'GET') {
        const perPage = Number(url.searchParams.get('per_page') ?? 30);
        const page = Number(url.searchParams.get('page') ?? 1);
        const mine = comments.filter((c) => c.issue === list[1]);
        return answer(200, mine.slice((page - 1) * perPage, page * perPage));
      }
      if (list && req.method === 'POST') {
        const c = {
          id: nextId++,
          issue: list[1]!,
          body: (JSON.parse(body) as { body: string }).body,
          user: { login },
        };
        comments.push(c);
        return answer(201, c);
      }
      if (edit && req.method === 'PATCH') {
        const c = comments.find((x) => x.id === Number(edit[1]));
        if (!c) return answer(404, { message: 'Not Found' });
        c.body = (JSON.parse(body) as { body: string }).body;
        return answer(200, c);
      }
      if (req.method === 'POST' && /\/(statuses\/[0-9a-f]{40}|check-runs)$/.test(url.pathname))
        return answer(201, { id: nextId++ });
      answer(404, { message: 'Not Found' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    comments,
    files,
    /** Adds a comment as someone else (an attacker copying the marker, say). */
    addComment(issue: number, body: string, user: string) {
      comments.push({ id: nextId++, issue: String(issue), body, user: { login: user } });
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
