// A TCP forwarder in its own process: 127.0.0.1:<port> → <target host:port>. A test puts it in
// front of an AWS endpoint and SIGKILLs it to make the endpoint unreachable (open connections
// reset, new ones refused), then starts it again on the same port.
// Usage: node --import tsx test/support/tcp-forwarder.ts <port> <targetUrl>
// Prints "listening" once it accepts connections.
import { createConnection, createServer } from 'node:net';

const [port, target] = process.argv.slice(2) as [string, string];
const to = new URL(target);
const server = createServer((client) => {
  const upstream = createConnection({ host: to.hostname, port: Number(to.port) });
  client.pipe(upstream).pipe(client);
  const end = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', end);
  upstream.on('error', end);
});
server.listen(Number(port), '127.0.0.1', () => process.stdout.write('listening\n'));
