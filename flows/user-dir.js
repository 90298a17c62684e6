// Prepares a Node-RED user dir to run the pack from this checkout (or from an
// installed copy, for the services): links the pack and the Node-RED modules its
// default flow uses into the user dir's node_modules and lists them in its
// package.json (Node-RED hides a module another module depends on unless the user dir
// lists it: see nodes/lib/install/user-modules.ts), and installs the default flow when
// no flow exists yet.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const PACK_ROOT = path.resolve(__dirname, '..');
const PACK_PKG = require('../package.json');
const PACK_NAME = PACK_PKG.name;
const DEFAULT_FLOW = path.join(PACK_ROOT, 'examples', 'default-recall-flow.json');
/** node-red-node-sqlite, node-red-node-email, @flowfuse/node-red-dashboard (package.json node-red.dependencies) */
const FLOW_MODULES = PACK_PKG['node-red'].dependencies;

function linkModule(userDir, name, target) {
  const link = path.join(userDir, 'node_modules', name);
  let current = null;
  try { current = fs.readlinkSync(link); } catch { /* not a link yet */ }
  if (current !== target) {
    fs.rmSync(link, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(link), { recursive: true }); // a scoped name's @scope folder
    fs.symlinkSync(target, link, 'dir');
  }
}

/** The folder of an installed module, as this pack resolves it. */
function moduleDir(name) {
  return path.dirname(require.resolve(`${name}/package.json`, { paths: [PACK_ROOT] }));
}

function listInPackageJson(userDir, specs) {
  const file = path.join(userDir, 'package.json');
  let pkg = { name: 'node-red-project', description: 'A Node-RED Project', version: '0.0.1', private: true };
  try { pkg = JSON.parse(fs.readFileSync(file, 'utf8')); } catch { /* Node-RED writes this file on its first start: write it first */ }
  const deps = { ...(pkg.dependencies || {}) };
  let changed = false;
  for (const [name, spec] of Object.entries(specs)) {
    if (deps[name] !== spec) { deps[name] = spec; changed = true; }
  }
  if (changed || !fs.existsSync(file)) fs.writeFileSync(file, JSON.stringify({ ...pkg, dependencies: deps }, null, 4) + '\n');
}

function prepareUserDir(userDir, flowFile = 'flows.json') {
  fs.mkdirSync(path.join(userDir, 'node_modules'), { recursive: true });
  const specs = { [PACK_NAME]: `file:${PACK_ROOT}` };
  linkModule(userDir, PACK_NAME, PACK_ROOT);
  for (const name of FLOW_MODULES) {
    const dir = moduleDir(name);
    linkModule(userDir, name, dir);
    specs[name] = `file:${dir}`;
  }
  listInPackageJson(userDir, specs);
  const flowPath = path.isAbsolute(flowFile) ? flowFile : path.join(userDir, flowFile);
  const installed = !fs.existsSync(flowPath);
  if (installed) fs.copyFileSync(DEFAULT_FLOW, flowPath);
  return { flowPath, installedDefaultFlow: installed };
}

module.exports = { prepareUserDir, PACK_ROOT, PACK_NAME, DEFAULT_FLOW, FLOW_MODULES };
