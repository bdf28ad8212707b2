import { guardedGet } from '../../../../shared/source/guarded-http.js';
import type { ResolvedAddress } from '../../../../shared/source/url-guard.js';
import { rejectionOf } from '../temp-tree.js';
import { answer, startServer, type LocalServer } from './local-servers.js';

/** A DNS-rebinding double: the first answer is `first`, every later one is 127.0.0.1. */
function reboundLookup(first: string) {
  const calls: string[] = [];
  const lookup = async (host: string): Promise<ResolvedAddress[]> => {
    calls.push(host);
    const address = calls.length === 1 ? first : '127.0.0.1';
    return [{ address, family: 4 }];
  };
  return { lookup, calls };
}

/** Two servers on one port: the vetted address 127.0.0.2 and the rebinding target 127.0.0.1. */
async function startPair(): Promise<{ vetted: LocalServer; loopback: LocalServer }> {
  for (let attempt = 0; ; attempt++) {
    const vetted = await startServer('127.0.0.2', answer('vetted'));
    try {
      return { vetted, loopback: await startServer('127.0.0.1', answer('loopback'), vetted.port) };
    } catch (err) {
      await vetted.close();
      if (attempt > 5) throw err;
    }
  }
}

describe('a DNS answer that changes after the guard looked never moves the connection', () => {
  let servers: { vetted: LocalServer; loopback: LocalServer };
  beforeEach(async () => {
    servers = await startPair();
  });
  afterEach(async () => {
    await servers.vetted.close();
    await servers.loopback.close();
  });

  test('the connection goes to the address the guard vetted, with the name in Host', async () => {
    const { lookup, calls } = reboundLookup('127.0.0.2');
    const url = `http://rebind.test:${servers.vetted.port}/index.yaml`;

    const got = await guardedGet(url, { guard: { allowedHosts: ['127.0.0.2/32'], lookup } });

    expect(got.body.toString()).toBe('vetted');
    expect(servers.vetted.seen.map((r) => r.headers.host)).toEqual([`rebind.test:${servers.vetted.port}`]);
    expect(servers.loopback.seen).toEqual([]);
    expect(calls).toEqual(['rebind.test']);
  });

  test('a public first answer then loopback: the request never reaches loopback', async () => {
    const { lookup, calls } = reboundLookup('93.184.215.7');
    const url = `http://rebind.test:${servers.loopback.port}/index.yaml`;

    const err = await rejectionOf(guardedGet(url, { guard: { lookup }, timeoutMs: 700 }));

    expect(['source:fetch-failed', 'source:timeout']).toContain(err.code);
    expect(servers.loopback.seen).toEqual([]);
    expect(calls).toEqual(['rebind.test']);
  });

  test('a loopback answer at check time is refused before any connection', async () => {
    const lookup = async (): Promise<ResolvedAddress[]> => [{ address: '127.0.0.1', family: 4 }];
    const url = `http://rebind.test:${servers.loopback.port}/index.yaml`;

    const err = await rejectionOf(guardedGet(url, { guard: { lookup } }));

    expect(err.code).toBe('source:url-refused');
    expect(servers.loopback.seen).toEqual([]);
  });
});
