import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testbedHome } from '../testbed/paths.js';
import { freePort } from '../testbed/free-port.js';
import { startServe } from '../support/serve.js';
import { execFileAsync } from '../support/testbed.js';

const schemathesis = join(testbedHome, 'schemathesis', 'bin', 'schemathesis');

describe('the HTTP API under schemathesis', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gitferry-fuzz-'));
  let serve: ChildProcess;
  let url: string;
  beforeAll(async () => {
    if (!existsSync(schemathesis))
      throw new Error(
        `${schemathesis} is missing: run \`npm run testbed:build\` (it installs schemathesis from PyPI)`,
      );
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    serve = (await startServe({ port, dataDir })).child;
  });
  afterAll(() => {
    serve.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  test('finds no 5xx answer in fuzzed and stateful requests generated from the OpenAPI document', async () => {
    const token = readFileSync(join(dataDir, 'api-token'), 'utf8').trim();
    const run = await execFileAsync(
      schemathesis,
      [
        'run',
        `${url}/api/openapi.json`,
        '-H',
        `Authorization: Bearer ${token}`,
        '--checks',
        'not_a_server_error',
        '--max-examples',
        '25',
        '--seed',
        '1',
      ],
      { maxBuffer: 64 << 20, timeout: 240_000, env: { ...process.env, SCHEMATHESIS_TELEMETRY: 'false' } },
    ).catch((err: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`schemathesis found problems:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
    });
    expect(run.stdout).toMatch(/Test cases:\s+\d+ generated, \d+ passed/);
  }, 300_000);
});
