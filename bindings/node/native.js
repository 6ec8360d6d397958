'use strict';
// Loads the compiled addon for this platform: tradepay.<platform>-<arch>[-<libc>].node,
// the name napi-rs gives it, shipped beside this file in the npm package.
const { join } = require('node:path');
const { existsSync } = require('node:fs');

function libc() {
  if (process.platform !== 'linux') return null;
  const report = typeof process.report?.getReport === 'function' ? process.report.getReport() : null;
  const header = report && (typeof report === 'string' ? JSON.parse(report).header : report.header);
  return header && header.glibcVersionRuntime ? 'gnu' : 'musl';
}

function addonName() {
  const parts = [process.platform, process.arch];
  const c = libc();
  if (c) parts.push(c);
  return `tradepay.${parts.join('-')}.node`;
}

const name = addonName();
const file = join(__dirname, name);
if (!existsSync(file)) {
  throw new Error(
    `tradepay: no native addon for this platform (${name} is not in ${__dirname}); ` +
      'this package ships a build for linux-x64-gnu, or build one with `napi build` in bindings/node',
  );
}
module.exports = require(file);
