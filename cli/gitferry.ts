#!/usr/bin/env node
// The gitferry command: `serve` runs the local process; everything else talks to the HTTP API.
// The command tree is cli/program.ts; this file runs it and sets the exit code.
import { buildProgram } from './program.js';

// Exit codes: 0 done, 1 the answer is "no" (sync failed, diff found changes), 2 an error.
buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 2;
  });
