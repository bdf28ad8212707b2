// A small HTTP server that runs git's own http-backend as CGI, so tests fetch and push over real
// smart HTTP. Usage: node --import tsx git-http-bridge.ts <repo-root> <port>
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { privateRepoCredentials } from './git-credentials.js';

const [root, port] = process.argv.slice(2);
if (!root || !port) {
  console.error('usage: git-http-bridge <repo-root> <port>');
  process.exit(2);
}
const backend = process.env.GIT_HTTP_BACKEND ?? '/usr/lib/git-core/git-http-backend';

const expectedAuth = `Basic ${Buffer.from(`${privateRepoCredentials.username}:${privateRepoCredentials.password}`).toString('base64')}`;

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (url.pathname.startsWith('/private-') && req.headers.authorization !== expectedAuth) {
    res.writeHead(401, { 'www-authenticate': 'Basic realm="testbed"', 'content-type': 'text/plain' });
    res.end('authentication required\n');
    return;
  }
  const header = (name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v.join(', ') : (v ?? '');
  };
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    REQUEST_METHOD: req.method,
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.slice(1),
    CONTENT_TYPE: header('content-type'),
    HTTP_CONTENT_ENCODING: header('content-encoding'),
    GIT_PROTOCOL: header('git-protocol'),
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    // A set REMOTE_USER enables receive-pack (pushes) without repo config.
    REMOTE_USER: 'testbed',
    // GitHub and GitLab let clients fetch any reachable commit by SHA; so does this server.
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'uploadpack.allowReachableSHA1InWant',
    GIT_CONFIG_VALUE_0: 'true',
  };
  if (req.headers['content-length']) env.CONTENT_LENGTH = header('content-length');
  const child = spawn(backend, [], { env, stdio: ['pipe', 'pipe', 'inherit'] });
  req.pipe(child.stdin);
  child.stdin.on('error', () => {}); // the backend may answer before reading the whole body

  // CGI output: headers up to a blank line, then the body, streamed.
  let head = Buffer.alloc(0);
  let headersDone = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const sep = head.indexOf('\r\n\r\n') >= 0 ? head.indexOf('\r\n\r\n') : head.indexOf('\n\n');
    if (sep < 0) return;
    const sepLen = head[sep] === 13 ? 4 : 2;
    let status = 200;
    for (const line of head.subarray(0, sep).toString('latin1').split(/\r?\n/)) {
      const i = line.indexOf(':');
      if (i < 0) continue;
      const name = line.slice(0, i).trim();
      const value = line.slice(i + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else res.setHeader(name, value);
    }
    res.writeHead(status);
    headersDone = true;
    const rest = head.subarray(sep + sepLen);
    if (rest.length > 0) res.write(rest);
  });
  child.on('close', (code) => {
    if (!headersDone) {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`git-http-backend exited with ${code} before sending headers\n`);
      return;
    }
    res.end();
  });
});

server.listen(Number(port), '127.0.0.1', () => {
  console.log(`git-http-bridge serving ${root} on http://127.0.0.1:${port}`);
});
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => server.close(() => process.exit(0)));
