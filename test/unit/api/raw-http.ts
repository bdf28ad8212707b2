// Raw HTTP clients for attacker requests fetch() will not send: a body that streams until the
// server answers, a Content-Length that lies.
import { request } from 'node:http';
import { connect } from 'node:net';

export interface Answer {
  status: number;
  body: string;
  /** Body bytes the client had handed to its socket when the answer's headers arrived. */
  sentBeforeAnswer: number;
}

const chunk = Buffer.alloc(64 * 1024, 'a');

/**
 * POSTs a chunked body of up to `totalBytes`, writing as fast as the socket takes it, and stops
 * writing as soon as the server answers (a server that buffers everything answers only at the end).
 */
export function streamChunked(
  url: string,
  path: string,
  headers: Record<string, string>,
  totalBytes: number,
  /**
   * Stop writing after this many bytes and keep the body open: only a server that answers without
   * waiting for the end answers at all (it fails after 15 s otherwise). Deterministic where a
   * count of bytes sent before the answer depends on how loaded the machine is.
   */
  stallAfter = Infinity,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = request(`${url}${path}`, {
      method: 'POST',
      headers: { ...headers, 'transfer-encoding': 'chunked' },
    });
    const stall = setTimeout(() => {
      req.destroy();
      reject(new Error(`no answer within 15 s while the body stayed open after ${sent} bytes`));
    }, 15_000);
    req.on('response', (res) => {
      clearTimeout(stall);
      answered = true;
      const sentBeforeAnswer = sent;
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString(), sentBeforeAnswer });
        req.destroy();
      });
      res.on('error', reject);
    });
    // Writing into a connection the server closed after answering fails; only the answer matters.
    req.on('error', (err) => (answered ? undefined : reject(err)));
    // Yields to the event loop every 256 KiB, so an answer that has arrived is seen before more is
    // written (a loaded machine otherwise keeps writing from one tight loop, and the count grows).
    const pump = () => {
      let burst = 0;
      while (!answered && sent < totalBytes) {
        if (sent >= stallAfter) return;
        sent += chunk.length;
        burst += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
        if (burst >= 256 * 1024) return void setImmediate(pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

/**
 * Sends a request declaring `contentLength` body bytes and then only `sendBytes` of them, keeping the
 * connection open: the answer must not wait for bytes that never come. Resolves with the status
 * line's code and how long it took.
 */
export function declareAndStall(
  url: string,
  path: string,
  headers: Record<string, string>,
  contentLength: number,
  sendBytes: number,
): Promise<{ status: number; ms: number }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(Number(port), hostname);
    let head = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no answer within 10 s: the server waited for the declared body'));
    }, 10_000);
    socket.on('connect', () => {
      const lines = [
        `POST ${path} HTTP/1.1`,
        `host: ${hostname}:${port}`,
        `content-length: ${contentLength}`,
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      ];
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      socket.write(Buffer.alloc(sendBytes, 'a'));
    });
    socket.on('data', (d: Buffer) => {
      head += d.toString('latin1');
      const match = /^HTTP\/1\.1 (\d{3})/.exec(head);
      if (!match) return;
      clearTimeout(timer);
      socket.destroy();
      resolve({ status: Number(match[1]), ms: Date.now() - started });
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/**
 * Sends a request declaring `contentLength` bytes, then `extraBytes` more than declared, and
 * collects everything the server answers until it closes the connection.
 */
export function overrunContentLength(
  url: string,
  path: string,
  headers: Record<string, string>,
  body: string,
  extraBytes: number,
): Promise<{ answers: string; written: number }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let answers = '';
    let written = 0;
    let closed = false;
    socket.on('connect', () => {
      const lines = [
        `POST ${path} HTTP/1.1`,
        `host: ${hostname}:${port}`,
        `content-length: ${Buffer.byteLength(body)}`,
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      ];
      socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`);
      const pump = () => {
        while (!closed && written < extraBytes) {
          written += chunk.length;
          if (!socket.write(chunk)) return void socket.once('drain', pump);
        }
      };
      pump();
    });
    socket.on('data', (d: Buffer) => (answers += d.toString('latin1')));
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open; it answered: ${answers}`));
    }, 20_000);
    const done = () => {
      closed = true;
      clearTimeout(timer);
      resolve({ answers, written });
    };
    socket.on('close', done);
    socket.on('error', () => done());
  });
}
