#!/usr/bin/env node
'use strict';
// The `tradepay-sandbox` command that `npm install tradepay` puts in node_modules/.bin: the
// Rust binary's flags and first JSON line, served by the addon in this process. Node keeps
// the signals; on SIGINT or SIGTERM the sandbox is stopped cleanly.
const native = require('../native.js');

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => native.sandboxCliStop());
native.sandboxCli(process.argv.slice(2)).then((code) => {
  process.exit(code);
});
