#!/usr/bin/env node
'use strict';
// The `tradepay-sandbox` command that `npm install tradepay` links into node_modules/.bin:
// the same flags and first JSON line as the Rust binary, which it runs in this process.
const native = require('./native.js');

process.exitCode = native.sandboxCli(process.argv.slice(2));
