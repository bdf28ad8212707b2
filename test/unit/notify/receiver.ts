// A loopback HTTP receiver that records each request exactly (method, path, headers, body) and
// answers with the statuses it is given, in turn (the last one repeating), or with what a
// responder function says for each request (a service stand-in that asserts what it receives).
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Answer {
  status: number;
  body?: unknown;
}

export async function startReceiver(statuses: number[] | ((r: Received) => Answer) = [201]) {
  const requests: Received[] = [];
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(parts).toString('utf8'),
      });
      const received = requests[requests.length - 1]!;
      let answer: Answer;
      try {
        answer =
          typeof statuses === 'function'
            ? statuses(received)
            : { status: statuses[Math.min(requests.length - 1, statuses.length - 1)]! };
      } catch (err) {
        // A stand-in's assertion failed: answer 418 (never retried) and say why.
        answer = { status: 418, body: { message: (err as Error).message } };
      }
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body ?? (answer.status < 300 ? {} : { message: 'receiver says no' })));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
