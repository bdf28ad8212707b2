// Helpers for tests that use the running test bed (started by jest's global setup).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { readState, stateEnvVar, type TestbedState } from '../testbed/testbed.js';

export const execFileAsync = promisify(execFile);

let cached: TestbedState | undefined;

/** The running test bed; fails clearly when jest's global setup did not start one. */
export function testbed(): TestbedState {
  if (cached) return cached;
  const file = process.env[stateEnvVar];
  if (!file)
    throw new Error(
      `${stateEnvVar} is not set: run the tests with \`npm test\` (its global setup starts the test bed)`,
    );
  cached = readState(file);
  return cached;
}

/** A short unique name for this test's objects (namespaces, tables, queues, repos). */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

/** Runs the test bed's kubectl against its cluster; rejects with stderr on a non-zero exit. */
export async function kubectl(args: string[], input?: string): Promise<string> {
  const bed = testbed();
  const child = execFileAsync(bed.bin.kubectl, ['--kubeconfig', bed.kubeconfig, ...args], {
    maxBuffer: 64 << 20,
  });
  if (input !== undefined) {
    child.child.stdin?.end(input);
  }
  return (await child).stdout;
}

/** Polls `probe` until it returns a value (not undefined) or the timeout passes. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(
    `${what} did not happen within ${timeoutMs / 1000} s${last instanceof Error ? `: ${last.message}` : ''}`,
  );
}

/** AWS SDK client settings for moto: its endpoint, a fixed region, throwaway credentials. */
export function awsClientConfig() {
  return {
    endpoint: testbed().awsEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
}
