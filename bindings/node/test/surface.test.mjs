// index.d.ts is generated from the core's description, index.js is written by hand over the
// addon: this checks the two describe the same module, in both directions, so a method
// renamed in Rust or dropped from the wrapper fails here rather than at a user's call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ts = require('typescript');
const here = (p) => fileURLToPath(new URL(p, import.meta.url));

/** The value exports of index.d.ts: classes with their members, and const objects. */
function declared() {
  const src = ts.createSourceFile('index.d.ts', readFileSync(here('../index.d.ts'), 'utf8'), ts.ScriptTarget.Latest);
  const out = new Map();
  const exported = (n) => n.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  const isStatic = (m) => m.modifiers?.some((x) => x.kind === ts.SyntaxKind.StaticKeyword);
  for (const node of src.statements) {
    if (!exported(node)) continue;
    if (ts.isClassDeclaration(node)) {
      const members = { methods: new Set(), statics: new Set(), props: new Set() };
      for (const m of node.members) {
        if (!m.name || ts.isPrivateIdentifier(m.name) || ts.isConstructorDeclaration(m)) continue;
        const name = m.name.getText(src);
        if (ts.isMethodDeclaration(m)) (isStatic(m) ? members.statics : members.methods).add(name);
        else if (ts.isGetAccessor(m) || ts.isPropertyDeclaration(m)) (isStatic(m) ? members.statics : members.props).add(name);
      }
      out.set(node.name.text, { kind: 'class', ...members });
    } else if (ts.isFunctionDeclaration(node)) {
      out.set(node.name.text, { kind: 'function' });
    } else if (ts.isVariableStatement(node)) {
      for (const d of node.declarationList.declarations) {
        const keys = d.type && ts.isTypeLiteralNode(d.type) ? d.type.members.map((m) => m.name.getText(src)) : [];
        out.set(d.name.getText(src), { kind: 'object', keys });
      }
    }
  }
  return out;
}

const DECLARED = declared();
const cjs = require('../index.js');
const esm = await import('../index.mjs');

test('index.d.ts declares values: the parse found the classes and objects', () => {
  // Guards the parser itself: an empty map would make every other check pass vacuously.
  assert.equal(DECLARED.get('Client')?.kind, 'class');
  assert.ok(DECLARED.get('Client').methods.has('pay'));
  assert.equal(DECLARED.get('webhooks')?.kind, 'object');
});

for (const [label, mod] of [['index.js', cjs], ['index.mjs', esm]]) {
  test(`every runtime export of ${label} is declared in index.d.ts`, () => {
    const undeclared = Object.keys(mod).filter((k) => k !== 'default' && !DECLARED.has(k));
    assert.deepEqual(undeclared, [], `exported by ${label} but not declared`);
  });

  test(`every value index.d.ts declares exists in ${label} with its kind and members`, () => {
    const problems = [];
    for (const [name, d] of DECLARED) {
      const v = mod[name];
      if (v === undefined) {
        problems.push(`${name}: missing`);
        continue;
      }
      if (d.kind === 'class' || d.kind === 'function') {
        if (typeof v !== 'function') problems.push(`${name}: a ${typeof v}, not a ${d.kind}`);
        if (d.kind !== 'class') continue;
        for (const m of d.methods) if (typeof v.prototype[m] !== 'function') problems.push(`${name}.prototype.${m}: missing`);
        for (const m of d.statics) if (!(m in v)) problems.push(`${name}.${m} (static): missing`);
      } else {
        for (const k of d.keys) if (!(k in v)) problems.push(`${name}.${k}: missing`);
      }
    }
    assert.deepEqual(problems, []);
  });
}

test('the runtime has no public method that index.d.ts leaves out', () => {
  const problems = [];
  for (const [name, d] of DECLARED) {
    if (d.kind !== 'class') continue;
    for (const m of Object.getOwnPropertyNames(cjs[name].prototype)) {
      const desc = Object.getOwnPropertyDescriptor(cjs[name].prototype, m);
      if (m === 'constructor' || m.startsWith('_') || typeof desc.value !== 'function') continue;
      if (!d.methods.has(m)) problems.push(`${name}.prototype.${m}: not declared`);
    }
  }
  assert.deepEqual(problems, []);
});

test('declared instance properties exist on a constructed Client', () => {
  const client = new cjs.Client({ baseUrl: 'http://127.0.0.1:1', accessNo: 'a', secret: 's' });
  try {
    const missing = [...DECLARED.get('Client').props].filter((p) => !(p in client));
    assert.deepEqual(missing, []);
  } finally {
    client.close();
  }
});

test('every native export and native method index.js uses exists in the addon', () => {
  const native = require('../native.js');
  const source = readFileSync(here('../index.js'), 'utf8');
  const names = (re) => new Set([...source.matchAll(re)].map((m) => m[1]));
  const exports = names(/(?<![#\w$./])native\.([A-Za-z_$][\w$]*)/g);
  const members = names(/#native\.([A-Za-z_$][\w$]*)/g);
  assert.ok(exports.size > 0 && members.size > 0, 'index.js reads the addon through `native.` and `#native.`');
  const missing = [...exports].filter((n) => native[n] === undefined);
  // A wrapper's `#native` is an instance of one of the addon's classes.
  const protos = Object.values(native).filter((v) => typeof v === 'function').map((c) => c.prototype);
  for (const m of members) if (!protos.some((p) => p && m in p)) missing.push(`#native.${m}`);
  assert.deepEqual(missing, []);
});
