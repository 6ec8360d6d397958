'use strict';
// Loads the compiled addon for this platform. napi-rs's layout: a local build
// (tradepay.<platform>.node beside this file, what `napi build` or `cargo xtask test` makes),
// else the platform package `tradepay-<platform>` that npm installs as an optional dependency.
const { join } = require('node:path');
const { existsSync } = require('node:fs');

function libc() {
  if (process.platform !== 'linux') return null;
  const report = typeof process.report?.getReport === 'function' ? process.report.getReport() : null;
  const header = report && (typeof report === 'string' ? JSON.parse(report).header : report.header);
  return header && header.glibcVersionRuntime ? 'gnu' : 'musl';
}

function platformSuffix() {
  const parts = [process.platform, process.arch];
  const c = process.platform === 'win32' ? 'msvc' : libc();
  if (c) parts.push(c);
  return parts.join('-');
}

const suffix = platformSuffix();
const local = join(__dirname, `tradepay.${suffix}.node`);
const platformPackage = `tradepay-${suffix}`;

function load() {
  if (existsSync(local)) return require(local);
  try {
    return require(platformPackage);
  } catch (e) {
    if (e && e.code === 'MODULE_NOT_FOUND' && String(e.message).includes(platformPackage)) {
      const { version } = require('./package.json');
      throw new Error(
        `tradepay: the native addon for this platform (${suffix}) is not installed. ` +
          `It comes in the package ${platformPackage}, an optional dependency of tradepay: ` +
          `run \`npm install ${platformPackage}@${version}\`. npm leaves it out when optional ` +
          'dependencies are omitted (--omit=optional) or the lock file was written on another ' +
          'platform. No such package exists for platforms the release does not build.',
      );
    }
    throw e;
  }
}

module.exports = load();
