// Preloaded (node -r) into a function bundle's process: like the Lambda nodejs runtime, only the AWS
// SDK (and what it needs) can be required from outside the bundle; anything else the bundle forgot
// to include fails to load, as it would on Lambda.
const Module = require('node:module');
const { builtinModules } = Module;
const original = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  const fromBundle = parent && parent.filename && parent.filename.startsWith(process.env.GITFERRY_BUNDLE_DIR);
  const allowed =
    builtinModules.includes(request.replace(/^node:/, '')) ||
    request.startsWith('node:') ||
    request.startsWith('@aws-sdk/') ||
    request.startsWith('.');
  if (fromBundle && !allowed)
    throw new Error(`bundle requires "${request}", which the Lambda runtime does not provide`);
  return original.call(this, request, parent, ...rest);
};
