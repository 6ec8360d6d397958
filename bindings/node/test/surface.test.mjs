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
// Underscore names are test-only runtime helpers (index.js's non-enumerable `_testPanic`), not API.
const isPublic = (k) => typeof k === 'string' && !k.startsWith('_');

/** The value exports of index.d.ts: classes with their members, functions, const objects, enums, namespaces. */
function declared() {
  const src = ts.createSourceFile('index.d.ts', readFileSync(here('../index.d.ts'), 'utf8'), ts.ScriptTarget.Latest);
  const out = new Map();
  const has = (n, kind) => n.modifiers?.some((m) => m.kind === kind) ?? false;
  const nameOf = (n) => {
    // A computed name (`[Symbol.x]`) would need its own check; refuse it rather than skip it.
    if (ts.isComputedPropertyName(n.name)) throw new Error(`unsupported computed name ${n.name.getText(src)}`);
    return n.name.getText(src);
  };
  const objectKeys = (members) => new Map(members.filter((m) => m.name).map((m) => [nameOf(m), ts.isMethodSignature(m) || ts.isMethodDeclaration(m) ? 'function' : 'any']));
  for (const node of src.statements) {
    // Re-exports and default exports would declare values this walk does not see: fail loudly.
    if (ts.isExportAssignment(node) || ts.isExportDeclaration(node) || has(node, ts.SyntaxKind.DefaultKeyword)) {
      throw new Error(`index.d.ts uses an export form this test does not parse: ${node.getText(src).slice(0, 60)}`);
    }
    if (!has(node, ts.SyntaxKind.ExportKeyword)) continue;
    if (ts.isClassDeclaration(node)) {
      const c = { kind: 'class', base: null, methods: new Set(), statics: new Set(), props: new Set() };
      const ext = node.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword);
      if (ext) c.base = ext.types[0].expression.getText(src);
      for (const m of node.members) {
        if (ts.isConstructorDeclaration(m) || has(m, ts.SyntaxKind.PrivateKeyword) || ts.isPrivateIdentifier(m.name)) continue;
        const name = nameOf(m);
        const isStatic = has(m, ts.SyntaxKind.StaticKeyword);
        if (ts.isMethodDeclaration(m)) (isStatic ? c.statics : c.methods).add(name);
        else if (ts.isPropertyDeclaration(m) || ts.isGetAccessor(m) || ts.isSetAccessor(m)) (isStatic ? c.statics : c.props).add(name);
      }
      out.set(node.name.text, c);
    } else if (ts.isFunctionDeclaration(node)) {
      out.set(node.name.text, { kind: 'function' });
    } else if (ts.isVariableStatement(node)) {
      for (const d of node.declarationList.declarations) {
        const keys = d.type && ts.isTypeLiteralNode(d.type) ? objectKeys(d.type.members) : new Map();
        out.set(d.name.getText(src), { kind: 'object', keys });
      }
    } else if (ts.isEnumDeclaration(node) && !has(node, ts.SyntaxKind.ConstKeyword)) {
      // A `const enum` is inlined by tsc and has no runtime object; a plain enum does.
      out.set(node.name.text, { kind: 'object', keys: new Map(node.members.map((m) => [nameOf(m), 'any'])) });
    } else if (ts.isModuleDeclaration(node) && node.body && ts.isModuleBlock(node.body)) {
      // A namespace is a runtime object only when it holds values; a types-only one is skipped.
      const keys = new Map();
      for (const s of node.body.statements) {
        if (ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s)) keys.set(s.name.text, 'function');
        else if (ts.isVariableStatement(s)) for (const d of s.declarationList.declarations) keys.set(d.name.getText(src), 'any');
      }
      if (keys.size) out.set(node.name.text, { kind: 'object', keys });
    }
  }
  return out;
}

const DECLARED = declared();
const cjs = require('../index.js');
const esm = await import('../index.mjs');

/** A class's declared instance members, its declared bases' included. */
function declaredMembers(name) {
  const d = DECLARED.get(name);
  const base = d.base && DECLARED.has(d.base) ? declaredMembers(d.base) : new Set();
  return new Set([...base, ...d.methods, ...d.props]);
}

/** Where a prototype chain defines `key` (stopping before Object/Error's own prototypes). */
function lookup(proto, key) {
  for (let p = proto; p && p !== Object.prototype && p !== Error.prototype; p = Object.getPrototypeOf(p)) {
    const desc = Object.getOwnPropertyDescriptor(p, key);
    if (desc) return desc;
  }
}

test('index.d.ts declares values: the parse found the classes, members and objects', () => {
  // Guards the parser itself: an empty map would make every other check pass vacuously.
  assert.equal(DECLARED.get('Client')?.kind, 'class');
  assert.ok(DECLARED.get('Client').methods.has('pay'));
  assert.ok(DECLARED.get('Sandbox').statics.has('start') && DECLARED.get('Sandbox').props.has('url'));
  assert.equal(DECLARED.get('ValidationError')?.base, 'TradepayError');
  assert.equal(DECLARED.get('webhooks')?.keys.get('verify'), 'function');
  assert.ok(!DECLARED.has('Trade') && !DECLARED.has('Status'), 'interfaces and type aliases are not values');
});

for (const [label, mod] of [['index.js', cjs], ['index.mjs', esm]]) {
  test(`every runtime export of ${label} is declared in index.d.ts`, () => {
    // getOwnPropertyNames, not keys: a non-enumerable export is still importable. `default` is
    // the ESM view of module.exports (TypeScript synthesizes it for this CommonJS .d.ts).
    const undeclared = Object.getOwnPropertyNames(mod).filter((k) => k !== 'default' && isPublic(k) && !DECLARED.has(k));
    assert.deepEqual(undeclared, [], `exported by ${label} but not declared in index.d.ts`);
  });

  test(`every value index.d.ts declares exists in ${label} with its kind and members`, () => {
    const problems = [];
    for (const [name, d] of DECLARED) {
      const v = mod[name];
      if (v === undefined) {
        problems.push(`${name}: declared ${d.kind}, missing at runtime`);
      } else if (d.kind === 'class' || d.kind === 'function') {
        if (typeof v !== 'function') problems.push(`${name}: declared ${d.kind}, runtime has a ${typeof v}`);
        if (d.kind !== 'class' || typeof v !== 'function') continue;
        const base = d.base && (DECLARED.has(d.base) ? mod[d.base] : globalThis[d.base]);
        if (d.base && Object.getPrototypeOf(v) !== base) problems.push(`${name}: declared to extend ${d.base}, runtime does not`);
        for (const m of d.methods) if (typeof lookup(v.prototype, m)?.value !== 'function') problems.push(`${name}.prototype.${m}: declared method, missing`);
        for (const m of d.statics) if (!(m in v)) problems.push(`${name}.${m}: declared static, missing`);
      } else if (v === null || (typeof v !== 'object' && typeof v !== 'function')) {
        problems.push(`${name}: declared object, runtime has ${v === null ? 'null' : `a ${typeof v}`}`);
      } else {
        for (const [k, kind] of d.keys) {
          if (!(k in v)) problems.push(`${name}.${k}: declared, missing`);
          else if (kind === 'function' && typeof v[k] !== 'function') problems.push(`${name}.${k}: declared method, runtime has a ${typeof v[k]}`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });
}

test('index.mjs exports the very objects of index.js (so instanceof agrees across both)', () => {
  assert.equal(esm.default, cjs);
  const differ = Object.keys(esm).filter((k) => k !== 'default' && esm[k] !== cjs[k]);
  assert.deepEqual(differ, []);
});

test('the runtime has no public method, getter, static or object member that index.d.ts leaves out', () => {
  const problems = [];
  for (const [name, d] of DECLARED) {
    const v = cjs[name];
    if (v == null) continue; // missing: reported by the test above
    if (d.kind === 'object') {
      for (const k of Object.getOwnPropertyNames(v)) if (isPublic(k) && !d.keys.has(k)) problems.push(`${name}.${k}: not declared`);
      continue;
    }
    if (d.kind !== 'class') continue;
    // Each class's own prototype only: inherited members are checked on the class that defines them.
    for (const k of Object.getOwnPropertyNames(v.prototype)) {
      if (k !== 'constructor' && isPublic(k) && !d.methods.has(k) && !d.props.has(k)) problems.push(`${name}.prototype.${k}: not declared`);
    }
    for (const k of Object.getOwnPropertyNames(v)) {
      if (!['length', 'name', 'prototype'].includes(k) && isPublic(k) && !d.statics.has(k)) problems.push(`${name}.${k} (static): not declared`);
    }
  }
  assert.deepEqual(problems, []);
});

// Plain fields exist only on an instance; each class with declared properties needs a cheap,
// network-free way to make one here, so a new class cannot escape the check.
const FACTORIES = {
  Client: () => new cjs.Client({ baseUrl: 'http://127.0.0.1:1', accessNo: 'a', secret: 's' }),
  Sandbox: () => cjs.Sandbox.start(),
};
const makeInstance = (name) => FACTORIES[name]?.() ?? (cjs[name]?.prototype instanceof Error ? new cjs[name]('m') : undefined);

test('declared instance properties exist on an instance, and instances carry no undeclared field', async () => {
  const problems = [];
  for (const [name, d] of DECLARED) {
    if (d.kind !== 'class' || typeof cjs[name] !== 'function') continue; // a missing class is reported above
    const members = declaredMembers(name);
    const instance = await makeInstance(name);
    if (instance === undefined) {
      problems.push(`${name}: no factory in surface.test.mjs to check its properties`);
      continue;
    }
    try {
      for (const p of d.props) {
        if (!lookup(cjs[name].prototype, p)?.get && !Object.hasOwn(instance, p)) problems.push(`${name}#${p}: declared property, neither a getter nor a field`);
      }
      // Error's own fields (message, stack, …) come from lib.es5's Error, not from index.d.ts.
      const errorOwn = instance instanceof Error ? ['message', 'stack', 'name', 'cause'] : [];
      for (const k of Object.getOwnPropertyNames(instance)) {
        if (isPublic(k) && !members.has(k) && !errorOwn.includes(k)) problems.push(`${name}#${k}: instance field not declared`);
      }
    } finally {
      await instance.close?.();
    }
  }
  assert.deepEqual(problems, []);
});

test('every native export and native method index.js uses exists in the addon', () => {
  const native = require('../native.js');
  const source = readFileSync(here('../index.js'), 'utf8');
  const names = (text, re) => new Set([...text.matchAll(re)].map((m) => m[1]));
  const exports = names(source, /(?<![#\w$./])native\.([A-Za-z_$][\w$]*)/g);
  assert.ok(exports.size > 0, 'index.js reads the addon through `native.`');
  const missing = [...exports].filter((n) => native[n] === undefined).map((n) => `native.${n}`);
  // Each wrapper class holds one addon class in `#native`: the one it constructs or checks with
  // instanceof. Its `#native.X` must be on that class's prototype, not just any of them.
  let used = 0;
  for (const m of source.matchAll(/^class (\w+)[^]*?^\}/gm)) {
    const members = names(m[0], /#native\.([A-Za-z_$][\w$]*)/g);
    if (!members.size) continue;
    used += members.size;
    const nativeClass = m[0].match(/(?:new|instanceof) native\.(\w+)/)?.[1];
    const proto = native[nativeClass]?.prototype;
    if (!proto) missing.push(`${m[1]}: no addon class found for its #native`);
    else for (const x of members) if (!(x in proto)) missing.push(`${m[1]}: #native.${x} (native.${nativeClass}.prototype)`);
  }
  assert.ok(used > 0, 'index.js reads addon instances through `#native.`');
  assert.deepEqual(missing, []);
});
