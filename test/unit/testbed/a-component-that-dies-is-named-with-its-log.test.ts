import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProcess, stopProcess, waitReady, isAlive } from '../../testbed/supervisor.js';

describe('the test bed supervisor', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'gitferry-supervisor-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('names a component that exits before it is ready and shows the end of its log', async () => {
    const proc = startProcess({
      name: 'fake-etcd',
      command: '/bin/sh',
      args: ['-c', 'echo "listen tcp 127.0.0.1:2379: bind: address already in use" >&2; exit 1'],
      logFile: join(dir, 'fake-etcd.log'),
    });
    await expect(waitReady(proc, 'health', async () => false, 10_000)).rejects.toThrow(
      /^fake-etcd exited before health; last lines of .*fake-etcd\.log:\nlisten tcp 127\.0\.0\.1:2379: bind: address already in use$/,
    );
  });

  test('names a component that never becomes ready within its timeout', async () => {
    const proc = startProcess({
      name: 'slow',
      command: '/bin/sleep',
      args: ['30'],
      logFile: join(dir, 'slow.log'),
    });
    try {
      await expect(waitReady(proc, '/readyz', async () => false, 500)).rejects.toThrow(
        /^slow did not reach \/readyz within 0\.5 s/,
      );
    } finally {
      await stopProcess(proc);
    }
    expect(isAlive(proc.pid)).toBe(false);
  });

  test('refuses to start a binary that was never built and says how to build it', () => {
    expect(() =>
      startProcess({
        name: 'kube-apiserver',
        command: join(dir, 'bin/kube-apiserver'),
        args: [],
        logFile: join(dir, 'x.log'),
      }),
    ).toThrow(
      /kube-apiserver cannot start: .*bin\/kube-apiserver does not exist \(run `npm run testbed:build`\)/,
    );
  });
});
