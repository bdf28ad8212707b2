// Runs in a fresh Node process: loads one function bundle (an ES module, as Lambda loads
// index.mjs) and invokes its handler with the event given as JSON in argv[3]; prints the result as
// JSON on stdout.
const { pathToFileURL } = require('node:url');
const bundle = process.argv[2];
const event = JSON.parse(process.argv[3]);
const started = process.hrtime.bigint();
import(pathToFileURL(bundle).href)
  .then(async ({ handler }) => {
    const initMs = Number(process.hrtime.bigint() - started) / 1e6;
    const result = await handler(event, {
      awsRequestId: 'bundle-test',
      getRemainingTimeInMillis: () => 60_000,
    });
    process.stdout.write(JSON.stringify({ initMs, result }) + '\n');
  })
  .catch((err) => {
    process.stderr.write(String(err && err.stack ? err.stack : err));
    process.exit(1);
  });
