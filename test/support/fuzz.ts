// How many cases each fast-check property runs. `npm test` runs a few thousand across all
// properties; `npm run fuzz` sets GITFERRY_FUZZ_RUNS high (≥ 100,000 cases in all) and prints them.
export function fuzzRuns(inTests = 500): number {
  const env = Number(process.env.GITFERRY_FUZZ_RUNS);
  return Number.isInteger(env) && env > 0 ? env : inTests;
}
