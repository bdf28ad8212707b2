// An HTTP server that answers 200 to everything and counts what reached it: a test that a tool
// must not fetch from some address listens there and expects zero requests.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface RequestCounter {
  url: string;
  requests: { method: string; url: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

/** Listens on host (default 127.0.0.1); body is what every request gets (default an empty YAML doc). */
export async function startRequestCounter(
  host = '127.0.0.1',
  body: (url: string) => Buffer | string = () =>
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fetched\n',
): Promise<RequestCounter> {
  const requests: RequestCounter['requests'] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers });
    res.end(body(req.url ?? '/'));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** An address of this machine that is not loopback (Go's HTTP client skips proxies for loopback). */
export async function nonLoopbackAddress(): Promise<string | undefined> {
  const { networkInterfaces } = await import('node:os');
  return Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
}
