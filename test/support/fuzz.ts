// How many cases each fast-check property runs. `npm test` runs a few hundred per property;
// `npm run fuzz` sets GITFERRY_FUZZ_RUNS high and, through GITFERRY_FUZZ_TALLY, counts every
// property's cases so scripts/fuzz-tally.mjs can print the total.
import { appendFileSync } from 'node:fs';

export function fuzzRuns(inTests = 500): number {
  const env = Number(process.env.GITFERRY_FUZZ_RUNS);
  const runs = Number.isInteger(env) && env > 0 ? env : inTests;
  const tally = process.env.GITFERRY_FUZZ_TALLY;
  if (tally) appendFileSync(tally, `${runs}\n`);
  return runs;
}
