// A small HTTP proxy on loopback that forwards to a test bed service and injects faults chosen by
// a policy per request: an error answer (DynamoDB throttling, an SQS 500, a git server's 500) or
// a hang (the request is held until the proxy closes). Counts what it injected.
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault = 'pass' | 'hang' | { status: number; headers?: Record<string, string>; body: string };

export interface FaultProxy {
  url: string;
  injected: () => number;
  passed: () => number;
  setPolicy: (policy: (req: IncomingMessage, n: number) => Fault) => void;
  close: () => Promise<void>;
}

export async function startFaultProxy(
  target: string,
  policy: (req: IncomingMessage, n: number) => Fault = () => 'pass',
): Promise<FaultProxy> {
  const to = new URL(target);
  let current = policy;
  let n = 0;
  let injected = 0;
  let passed = 0;
  const hung = new Set<IncomingMessage>();
  const server: Server = createServer((req, res) => {
    const fault = current(req, n++);
    if (fault === 'hang') {
      injected++;
      hung.add(req);
      req.resume();
      return;
    }
    if (fault !== 'pass') {
      injected++;
      req.resume();
      req.on('end', () => {
        res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
        res.end(fault.body);
      });
      return;
    }
    passed++;
    const upstream = request(
      { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    injected: () => injected,
    passed: () => passed,
    setPolicy: (p) => (current = p),
    close: async () => {
      for (const req of hung) req.socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** DynamoDB's throttling answer, as the SDK reads it (retryable, then surfaced). */
export const dynamoDbThrottled: Fault = {
  status: 400,
  headers: { 'content-type': 'application/x-amz-json-1.0' },
  body: JSON.stringify({
    __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
    message: 'injected: the level of configured provisioned throughput for the table was exceeded',
  }),
};

/** An SQS internal error (JSON protocol), as the SDK reads it (retryable, then surfaced). */
export const sqsInternalError: Fault = {
  status: 500,
  headers: { 'content-type': 'application/x-amz-json-1.0' },
  body: JSON.stringify({ __type: 'com.amazonaws.sqs#InternalError', message: 'injected: internal error' }),
};

/** The AWS service a request through the proxy is for, from its X-Amz-Target header. */
export function awsTarget(req: IncomingMessage): string {
  return String(req.headers['x-amz-target'] ?? '');
}
