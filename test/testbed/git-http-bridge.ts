// A small HTTP server that runs git's own http-backend as CGI, so tests fetch and push over real
// smart HTTP. Usage: node --import tsx git-http-bridge.ts <repo-root> <port>
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { dirname, join, normalize } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { privateRepoCredentials } from './git-credentials.js';

const [root, port] = process.argv.slice(2);
if (!root || !port) {
  console.error('usage: git-http-bridge <repo-root> <port>');
  process.exit(2);
}
const backend = process.env.GIT_HTTP_BACKEND ?? '/usr/lib/git-core/git-http-backend';

// Beside the repositories, in the bed's data directory (removed with it).
const globalConfig = join(dirname(root), `git-http-bridge-${port}.gitconfig`);
writeFileSync(globalConfig, '[uploadpack]\n\tallowReachableSHA1InWant = true\n');

const expectedAuth = `Basic ${Buffer.from(`${privateRepoCredentials.username}:${privateRepoCredentials.password}`).toString('base64')}`;

/**
 * git http-backend checks a want by reachability (stateless RPC cannot trust its own earlier
 * advertisement: upload-pack.c, check_non_tip), so over HTTP it sends any reachable commit
 * whatever uploadpack.allowReachableSHA1InWant says. Servers that hold clients to the advertised
 * tips exist (and git itself does over SSH): a repository configured with
 * `uploadpack.allowReachableSHA1InWant false` gets that behaviour here, a want that is no ref's
 * tip answered with upload-pack's own `ERR upload-pack: not our ref <oid>`.
 */
function refusedWant(repoDir: string, body: Buffer, encoding: string): string | undefined {
  const git = (...args: string[]) =>
    spawnSync('git', [`--git-dir=${repoDir}`, ...args], {
      env: { PATH: process.env.PATH, GIT_CONFIG_GLOBAL: globalConfig, GIT_CONFIG_NOSYSTEM: '1' },
      encoding: 'utf8',
    }).stdout.trim();
  if (git('config', '--bool', 'uploadpack.allowReachableSHA1InWant') !== 'false') return undefined;
  const text = (encoding === 'gzip' ? gunzipSync(body) : body).toString('latin1');
  const tips = new Set(git('for-each-ref', '--format=%(objectname) %(*objectname)').split(/\s+/));
  return [...text.matchAll(/want ([0-9a-f]{40})/g)].map((m) => m[1]!).find((oid) => !tips.has(oid));
}

const pkt = (line: string) => `${(line.length + 4).toString(16).padStart(4, '0')}${line}`;

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (url.pathname.startsWith('/private-') && req.headers.authorization !== expectedAuth) {
    res.writeHead(401, { 'www-authenticate': 'Basic realm="testbed"', 'content-type': 'text/plain' });
    res.end('authentication required\n');
    return;
  }
  const pathInfo = decodeURIComponent(url.pathname);
  if (req.method === 'POST' && pathInfo.endsWith('/git-upload-pack')) {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      const repoDir = join(root, normalize(pathInfo.slice(0, -'/git-upload-pack'.length)));
      const refused = repoDir.startsWith(`${root}/`)
        ? refusedWant(repoDir, body, String(req.headers['content-encoding'] ?? ''))
        : undefined;
      if (refused) {
        res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-result' });
        res.end(pkt(`ERR upload-pack: not our ref ${refused}\n`));
        return;
      }
      runBackend(req, res, url, body);
    });
    return;
  }
  runBackend(req, res, url);
});

function runBackend(req: IncomingMessage, res: ServerResponse, url: URL, body?: Buffer): void {
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
    // GitHub and GitLab let clients fetch any reachable commit by SHA; so does this server, by
    // default: a global (not command-line) setting, so a repository's own config can turn it off
    // (`git config uploadpack.allowReachableSHA1InWant false` in the bare repository).
    GIT_CONFIG_GLOBAL: globalConfig,
    GIT_CONFIG_NOSYSTEM: '1',
  };
  if (req.headers['content-length']) env.CONTENT_LENGTH = header('content-length');
  const child = spawn(backend, [], { env, stdio: ['pipe', 'pipe', 'inherit'] });
  if (body) child.stdin.end(body);
  else req.pipe(child.stdin);
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
}

server.listen(Number(port), '127.0.0.1', () => {
  console.log(`git-http-bridge serving ${root} on http://127.0.0.1:${port}`);
});
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => server.close(() => process.exit(0)));
