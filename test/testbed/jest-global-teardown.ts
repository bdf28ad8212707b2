import { readState, stateEnvVar, stopTestbed } from './testbed.js';

/** Stops the bed only if this jest run started it. */
export default async function globalTeardown(): Promise<void> {
  const file = process.env[stateEnvVar];
  if (!file || process.env.GITFERRY_TESTBED_OWNED !== '1') return;
  await stopTestbed(readState(file));
}
