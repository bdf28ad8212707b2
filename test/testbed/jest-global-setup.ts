import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
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
  // The browser tests need Debian's Chromium: installed here when missing (never skipped).
  const chromium = spawnSync(fileURLToPath(new URL('./ensure-chromium.sh', import.meta.url)), [], {
    stdio: 'inherit',
  });
  if (chromium.status !== 0)
    throw new Error('Chromium for the browser tests is missing and could not be installed (see above)');
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
  // A fresh machine has no binaries yet: build what is missing first, with progress on the
  // terminal, as `npm start` does (about 11 minutes cold; a second when everything is cached).
  const build = spawnSync(fileURLToPath(new URL('./build.sh', import.meta.url)), ['all'], {
    stdio: 'inherit',
  });
  if (build.status !== 0)
    throw new Error(
      `building the test bed failed (exit ${build.status ?? build.signal}); see the messages above`,
    );
  const state = await startTestbed();
  process.env[stateEnvVar] = stateFile(state);
  process.env.GITFERRY_TESTBED_OWNED = '1';
}
