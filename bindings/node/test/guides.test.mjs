// The guides' JavaScript runs: every ```js block of a guide in docs/guides/, in order, is one
// ES module (what a reader who copies the page top to bottom gets), run from examples/node
// so that it imports 'tradepay' as an app does. The guides assert what they claim.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './helpers.mjs';

const run = promisify(execFile);
const GUIDES = join(ROOT, 'docs', 'guides');
const EXAMPLES = join(ROOT, 'examples', 'node');
const OUT = join(EXAMPLES, '.build', 'guides');
const BLOCK = /^```js\n([\s\S]*?)^```/gm;

const guides = readdirSync(GUIDES).filter((f) => f.endsWith('.md')).sort();
const program = (file) => [...readFileSync(join(GUIDES, file), 'utf8').matchAll(BLOCK)].map((m) => m[1]).join('\n');

test('there are guides, each with js code', () => {
  assert.ok(guides.length >= 5, guides.join(', '));
  for (const file of guides) assert.ok(program(file).trim(), `${file} has no js block`);
});

for (const file of guides) {
  test(`docs/guides/${file}: its js runs`, async () => {
    // `cargo xtask test` links the package there; do the same when run on its own.
    const link = join(EXAMPLES, 'node_modules', 'tradepay');
    if (!existsSync(link)) {
      mkdirSync(join(EXAMPLES, 'node_modules'), { recursive: true });
      symlinkSync(join(ROOT, 'bindings', 'node'), link, 'dir');
    }
    mkdirSync(OUT, { recursive: true });
    const script = join(OUT, file.replace(/\.md$/, '.mjs'));
    writeFileSync(script, program(file));
    try {
      await run(process.execPath, [script], { cwd: EXAMPLES, timeout: 120_000 });
    } catch (err) {
      assert.fail(`${file}:\n${err.stdout}\n${err.stderr}`);
    }
  });
}
