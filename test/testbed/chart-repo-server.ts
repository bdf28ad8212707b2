// A Helm chart repository over plain HTTP: serves the files of a directory (index.yaml and chart
// archives, as `helm repo index` lays them out). Paths under /private/ want HTTP Basic auth with
// chartRepoCredentials. Usage: node --import tsx chart-repo-server.ts <dir> <port>
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, normalize } from 'node:path';
import { chartRepoCredentials } from './chart-repo-credentials.js';

const [root, port] = process.argv.slice(2);
if (!root || !port) {
  console.error('usage: chart-repo-server <dir> <port>');
  process.exit(2);
}
const expectedAuth = `Basic ${Buffer.from(`${chartRepoCredentials.username}:${chartRepoCredentials.password}`).toString('base64')}`;

const server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
  if (path.startsWith('/private/') && req.headers.authorization !== expectedAuth) {
    res.writeHead(401, { 'www-authenticate': 'Basic realm="charts"', 'content-type': 'text/plain' });
    res.end('authentication required\n');
    return;
  }
  const file = join(root, normalize(path));
  if (req.method !== 'GET' || !file.startsWith(`${root}/`) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
    return;
  }
  res.writeHead(200, {
    'content-type': file.endsWith('.yaml') ? 'application/x-yaml' : 'application/gzip',
    'content-length': statSync(file).size,
  });
  createReadStream(file).pipe(res);
});
server.listen(Number(port), '127.0.0.1', () =>
  console.log(`chart repository ${root} on http://127.0.0.1:${port}`),
);
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => server.close(() => process.exit(0)));
