import { existsSync } from 'node:fs';
import { checkTestbed, readState, startTestbed, stateEnvVar, stateFile } from './testbed.js';

/**
 * Starts the real test bed once for the whole jest run, or reuses one already running from
 * `npm run testbed:up` when GITFERRY_TESTBED_STATE points at it.
 */
export default async function globalSetup(): Promise<void> {
  // Node 20 is this machine's runtime; the SDK's notice about its 2027 releases is noise in test output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  // `npm run test:unit` runs only tests that need no real components.
  if (process.env.GITFERRY_TESTBED === 'skip') return;
  const existing = process.env[stateEnvVar];
  if (existing) {
    if (!existsSync(existing)) throw new Error(`${stateEnvVar}=${existing}: no such test bed state file`);
    const problems = await checkTestbed(readState(existing));
    if (problems.length > 0) {
      throw new Error(
        `the test bed at ${existing} is not fully running (restart it: npm run testbed:down && npm run testbed:up):\n- ${problems.join('\n- ')}`,
      );
    }
    return;
  }
  const state = await startTestbed();
  process.env[stateEnvVar] = stateFile(state);
  process.env.GITFERRY_TESTBED_OWNED = '1';
}
