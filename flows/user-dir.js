// Prepares a Node-RED user dir to run the pack from this checkout:
// links the pack into its node_modules (so Node-RED loads it as the installed
// module it will be) and installs the default flow when no flow exists yet.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const PACK_ROOT = path.resolve(__dirname, '..');
const PACK_NAME = require('../package.json').name;
const DEFAULT_FLOW = path.join(PACK_ROOT, 'examples', 'default-recall-flow.json');

function prepareUserDir(userDir, flowFile = 'flows.json') {
  fs.mkdirSync(path.join(userDir, 'node_modules'), { recursive: true });
  const link = path.join(userDir, 'node_modules', PACK_NAME);
  let current = null;
  try { current = fs.readlinkSync(link); } catch { /* not a link yet */ }
  if (current !== PACK_ROOT) {
    fs.rmSync(link, { recursive: true, force: true });
    fs.symlinkSync(PACK_ROOT, link, 'dir');
  }
  const flowPath = path.isAbsolute(flowFile) ? flowFile : path.join(userDir, flowFile);
  const installed = !fs.existsSync(flowPath);
  if (installed) fs.copyFileSync(DEFAULT_FLOW, flowPath);
  return { flowPath, installedDefaultFlow: installed };
}

module.exports = { prepareUserDir, PACK_ROOT, PACK_NAME, DEFAULT_FLOW };
