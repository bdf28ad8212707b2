// A scripted HTTPS API server on 127.0.0.1 for KubeClient unit tests: each request is recorded and
// answered by the next responder in the script (the last one repeats).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterConnection } from '../../../shared/engine/cluster-connection.js';
import type { KubeStatus } from '../../../shared/engine/errors.js';

export interface RecordedRequest {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  body: string;
  /** Date.now() when the request's headers arrived. */
  at: number;
}

export type Responder = (req: RecordedRequest, res: ServerResponse, raw: IncomingMessage) => void;

export interface FakeApiServer {
  connection: ClusterConnection;
  requests: RecordedRequest[];
  /** TCP connections the server accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

export interface Certificate {
  cert: string;
  key: string;
}

/** A self-signed certificate for 127.0.0.1, made in a temporary directory that is removed afterwards. */
export function generateCertificate(): Certificate {
  const dir = mkdtempSync(join(tmpdir(), 'gitferry-unit-cert-'));
  try {
    const [keyFile, certFile] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-days',
        '1',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: 'pipe' },
    );
    return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function startFakeApiServer(
  certificate: Certificate,
  script: Responder[],
  authorization: () => Promise<string | undefined> = async () => 'Bearer t',
): Promise<FakeApiServer> {
  const requests: RecordedRequest[] = [];
  let connections = 0;
  const server: Server = createServer({ cert: certificate.cert, key: certificate.key }, (raw, res) => {
    const at = Date.now();
    const chunks: Buffer[] = [];
    raw.on('data', (c: Buffer) => chunks.push(c));
    raw.on('end', () => {
      const recorded: RecordedRequest = {
        method: raw.method ?? '',
        url: new URL(raw.url ?? '/', 'https://127.0.0.1'),
        headers: raw.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at,
      };
      requests.push(recorded);
      const respond = script[Math.min(requests.length, script.length) - 1];
      if (!respond) throw new Error('fake API server: empty script');
      respond(recorded, res, raw);
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    connection: {
      name: 'fake',
      server: `https://127.0.0.1:${port}`,
      tls: { ca: certificate.cert },
      authorization,
    },
    requests,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers with a JSON body. */
export function json(code: number, body: unknown, headers: Record<string, string> = {}): Responder {
  return (_req, res) => {
    res.writeHead(code, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
}

/** Answers with a Kubernetes `Status` as the API server writes it on failure. */
export function kubeStatus(
  code: number,
  reason: string,
  message: string,
  headers: Record<string, string> = {},
): Responder {
  const status: KubeStatus = { kind: 'Status', status: 'Failure', message, reason, code };
  return json(code, { apiVersion: 'v1', ...status }, headers);
}

/** Drops the connection without answering, as a restarting API server or load balancer does. */
export function resetConnection(): Responder {
  return (_req, _res, raw) => raw.socket.destroy();
}

export const configMap = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'settings', namespace: 'team-a' },
  data: { mode: 'fast' },
};
