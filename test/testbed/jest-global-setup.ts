import { existsSync } from 'node:fs';
import { deadProcesses, readState, startTestbed, stateEnvVar, stateFile } from './testbed.js';

/**
 * Starts the real test bed once for the whole jest run, or reuses one already running from
 * `npm run testbed:up` when GITFERRY_TESTBED_STATE points at it.
 */
export default async function globalSetup(): Promise<void> {
  // `npm run test:unit` runs only tests that need no real components.
  if (process.env.GITFERRY_TESTBED === 'skip') return;
  const existing = process.env[stateEnvVar];
  if (existing) {
    if (!existsSync(existing)) throw new Error(`${stateEnvVar}=${existing}: no such test bed state file`);
    const dead = deadProcesses(readState(existing));
    if (dead.length > 0) {
      throw new Error(
        `the test bed at ${existing} is not fully running: ${dead.map((p) => `${p.name} (pid ${p.pid}, log ${p.logFile})`).join(', ')}`,
      );
    }
    return;
  }
  const state = await startTestbed();
  process.env[stateEnvVar] = stateFile(state);
  process.env.GITFERRY_TESTBED_OWNED = '1';
}
