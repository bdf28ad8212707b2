// Preloaded (node -r) into a function bundle's process: like the Lambda nodejs runtime, only the AWS
// SDK (and what it needs) can be loaded from outside the bundle; anything else the bundle forgot
// to include fails to load, as it would on Lambda. Both ways in are watched: require() (CommonJS
// code inside the bundle) and import (the bundle's ES modules and their chunks).
const Module = require('node:module');
const { pathToFileURL } = require('node:url');
const { builtinModules } = Module;
const bundleDir = process.env.GITFERRY_BUNDLE_DIR;
const allowed = (request) =>
  builtinModules.includes(request.replace(/^node:/, '')) ||
  request.startsWith('node:') ||
  request.startsWith('@aws-sdk/') ||
  request.startsWith('.');
const refusal = (request) => `bundle requires "${request}", which the Lambda runtime does not provide`;

const original = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  const fromBundle = parent && parent.filename && parent.filename.startsWith(bundleDir);
  if (fromBundle && !allowed(request)) throw new Error(refusal(request));
  return original.call(this, request, parent, ...rest);
};

const hooks = `
const bundleUrl = ${JSON.stringify(pathToFileURL(bundleDir).href)};
const builtins = new Set(${JSON.stringify(builtinModules)});
export async function resolve(specifier, context, next) {
  const fromBundle = context.parentURL && context.parentURL.startsWith(bundleUrl);
  const ok = builtins.has(specifier.replace(/^node:/, '')) || specifier.startsWith('node:') ||
    specifier.startsWith('@aws-sdk/') || specifier.startsWith('.');
  if (fromBundle && !ok) throw new Error(${JSON.stringify(refusal('%s'))}.replace('%s', specifier));
  return next(specifier, context);
}`;
Module.register(`data:text/javascript,${encodeURIComponent(hooks)}`);
